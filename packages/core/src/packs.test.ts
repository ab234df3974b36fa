// Strategy packs: one config line turns on a pack's strategies, every one of them loadable by name.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { loadStrategy } from './plugins.ts';
import { expandPacks, STRATEGY_PACKS } from './packs.ts';

const load = (overrides: unknown) => loadConfig({ cwd: '/nonexistent', env: {}, overrides });

describe('strategies.packs', () => {
  it("adds the packs' strategies after the listed ones, each once, with the code pack's complexity at half weight", () => {
    const config = load({ strategies: { enabled: ['deepening', 'math-steps'], packs: ['code', 'math'] } });
    expect(config.strategies.enabled).toEqual([
      'deepening',
      'math-steps',
      'code-constraints',
      'code-reasoning',
      'code-misdirect',
      'code-complexity',
      'math-harder',
      'math-easier',
      'math-quantities',
    ]);
    expect(config.strategies.weights).toEqual({ 'code-complexity': 0.5 });
    expect(config.strategies.packs).toEqual(['code', 'math']);
  });

  it("keeps configured weights over the pack's and changes nothing without packs", () => {
    expect(load({ strategies: { packs: ['code'], weights: { 'code-complexity': 2 } } }).strategies.weights).toEqual({
      'code-complexity': 2,
    });
    const plain = load({});
    expect(plain.strategies.packs).toEqual([]);
    expect(plain.strategies.enabled).toHaveLength(6);
    const section = { enabled: ['mutation'], weights: {}, packs: [] };
    expect(expandPacks(section)).toBe(section);
  });

  it('names an unknown pack by its config path', () => {
    expect(() => load({ strategies: { packs: ['poetry'] } })).toThrow(/strategies\.packs\.0.*must be one of "code", "math"/);
  });

  it('has every pack strategy installed and loadable by its short name, of the kind its README says', async () => {
    const kinds: Record<string, string> = {};
    for (const name of [...STRATEGY_PACKS.code.strategies, ...STRATEGY_PACKS.math.strategies]) {
      const strategy = await loadStrategy(name);
      expect(strategy.name).toBe(name);
      kinds[name] = strategy.kind;
    }
    expect(
      Object.entries(kinds)
        .filter(([, k]) => k === 'breadth')
        .map(([n]) => n),
    ).toEqual(['math-quantities']);
  });
});
