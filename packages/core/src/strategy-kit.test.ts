// The four in-depth strategy plugins, one table: each is the strategy kit (inDepthMessages +
// parseRewrite) around one direction, so one test, row by row, checks each plugin as the host
// loads it (by its short name): name and kind, its direction in the WizardLM-style prompt, the
// Alpaca input folded in, and the rewrite parsed. (Replaces four copies of the same file.)
import { describe, expect, it } from 'vitest';
import type { StrategyContext } from './contracts.ts';
import { loadStrategy } from './plugins.ts';
import type { EvolRecord } from './record.ts';

/** Plugin short name and the direction its prompt must carry, in the plugin's own words. */
const IN_DEPTH: readonly (readonly [name: string, direction: string])[] = [
  ['add-constraints', 'add exactly one more constraint or requirement'],
  ['deepening', 'increase the depth and breadth of the inquiry'],
  ['concretizing', 'replace general concepts with more specific concepts'],
  ['increase-reasoning', 'explicitly require multiple-step reasoning'],
];

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: StrategyContext = { random: () => 0.3, options: {}, logger };
const parent: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Explain how tides work.',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe.each(IN_DEPTH)('in-depth strategy %s', (name, direction) => {
  it('loads by its short name as a depth strategy that asks a prompt rewriter for a harder prompt in its one direction', async () => {
    const strategy = await loadStrategy(name);
    expect([strategy.name, strategy.kind]).toEqual([name, 'depth']);
    const { messages, format } = strategy.prompt(parent, ctx);
    expect(format).toBeUndefined();
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? '';
    expect(content).toContain(`Make it harder in exactly one direction: `);
    expect(content).toContain(direction);
    // No other plugin's direction leaks in.
    for (const [other, theirs] of IN_DEPTH) if (other !== name) expect(content, other).not.toContain(theirs);
    expect(content).toContain('10 to 20 words');
    expect(content).toContain('#The Given Prompt#:\nExplain how tides work.\n\n#Rewritten Prompt#:');
    expect(content.trimEnd().endsWith('#Rewritten Prompt#:')).toBe(true);
  });

  it('folds the Alpaca input into the prompt', async () => {
    const strategy = await loadStrategy(name);
    const content = strategy.prompt({ ...parent, input: 'Tide table: 06:12 high' }, ctx).messages[0]?.content ?? '';
    expect(content).toContain('Explain how tides work.\n\nTide table: 06:12 high\n\n#Rewritten Prompt#:');
  });

  it('parses: trims, strips one pair of quotes and a leading meta header, keeps meta elsewhere, rejects empty output', async () => {
    const strategy = await loadStrategy(name);
    expect(strategy.parse('  "Explain tides in detail."  ', ctx)).toEqual({ instruction: 'Explain tides in detail.' });
    expect(strategy.parse('#Rewritten Prompt#: Explain tides.', ctx)).toEqual({ instruction: 'Explain tides.' });
    expect(strategy.parse('Explain tides. #Rewritten Prompt#', ctx)).toEqual({ instruction: 'Explain tides. #Rewritten Prompt#' });
    expect(strategy.parse(' "" ', ctx)).toEqual({ error: 'empty evolver output' });
  });
});
