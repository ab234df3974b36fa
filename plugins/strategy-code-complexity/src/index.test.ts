// The code-complexity strategy: prompt shape, Alpaca input folding, output parsing, loading by name.
import { describe, expect, it } from 'vitest';
import { loadStrategy, type EvolRecord, type StrategyContext } from '@evolflow/core';
import factory from './index.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: StrategyContext = { random: () => 0.3, options: {}, logger };
const parent: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Write a Python function that reverses a string.',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe('strategy code-complexity', () => {
  const strategy = factory({});

  it('asks for its one direction around the given prompt', () => {
    const { messages, format } = strategy.prompt(parent, ctx);
    expect(strategy.name).toBe('code-complexity');
    expect(strategy.kind).toBe('depth');
    expect(format).toBeUndefined();
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? '';
    expect(content).toContain('complexity bound stricter');
    expect(content).toContain('O(1) extra space');
    expect(content).toContain('only a bound that can be met');
    expect(content).toContain('#The Given Prompt#:\nWrite a Python function that reverses a string.\n\n#Rewritten Prompt#:');
    expect(content.trimEnd().endsWith('#Rewritten Prompt#:')).toBe(true);
  });

  it('folds the Alpaca input into the prompt', () => {
    const content = strategy.prompt({ ...parent, input: 'Data: 3, 4' }, ctx).messages[0]?.content ?? '';
    expect(content).toContain('Write a Python function that reverses a string.\n\nData: 3, 4\n\n#Rewritten Prompt#:');
  });

  it('parses: trims, strips one pair of quotes and a leading meta header, keeps code blocks, rejects empty output', () => {
    expect(strategy.parse('#Rewritten Prompt#: Write a Python function that reverses a string in place.', ctx)).toEqual({
      instruction: 'Write a Python function that reverses a string in place.',
    });
    const withCode = 'Fix and finish this:\n```python\ndef rev(s):\n    return s[::1]\n```';
    expect(strategy.parse(withCode, ctx)).toEqual({ instruction: withCode });
    expect(strategy.parse(' "" ', ctx)).toEqual({ error: 'empty evolver output' });
  });

  it('loads by its short name', async () => {
    const loaded = await loadStrategy('code-complexity');
    expect(loaded.name).toBe('code-complexity');
  });
});
