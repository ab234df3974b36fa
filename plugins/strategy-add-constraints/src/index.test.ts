// The add-constraints strategy: prompt shape, Alpaca input folding, output parsing, loading by name.
import { describe, expect, it } from 'vitest';
import { loadStrategy, type EvolRecord, type StrategyContext } from '@evolflow/core';
import factory from './index.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: StrategyContext = { random: () => 0.3, options: {}, logger };
const parent: EvolRecord = {
  id: 's-1', seedId: 's-1', parentId: null, round: 0, instruction: 'Explain how tides work.', lineage: [], checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe('strategy add-constraints', () => {
  const strategy = factory({});

  it('asks a prompt rewriter for a harder prompt in one direction', () => {
    const { messages, format } = strategy.prompt(parent, ctx);
    expect(strategy.name).toBe('add-constraints');
    expect(strategy.kind).toBe('depth');
    expect(format).toBeUndefined();
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? '';
    expect(content).toContain('add exactly one more constraint or requirement');
    expect(content).toContain('10 to 20 words');
    expect(content).toContain('#The Given Prompt#:\nExplain how tides work.\n\n#Rewritten Prompt#:');
    expect(content.trimEnd().endsWith('#Rewritten Prompt#:')).toBe(true);
  });

  it('folds the Alpaca input into the prompt', () => {
    const content = strategy.prompt({ ...parent, input: 'Tide table: 06:12 high' }, ctx).messages[0]?.content ?? '';
    expect(content).toContain('Explain how tides work.\n\nTide table: 06:12 high\n\n#Rewritten Prompt#:');
  });

  it('parses: trims, strips one pair of quotes and a leading meta header, keeps meta elsewhere, rejects empty output', () => {
    expect(strategy.parse('  "Explain tides in detail."  ', ctx)).toEqual({ instruction: 'Explain tides in detail.' });
    expect(strategy.parse('#Rewritten Prompt#: Explain tides.', ctx)).toEqual({ instruction: 'Explain tides.' });
    expect(strategy.parse('Explain tides. #Rewritten Prompt#', ctx)).toEqual({ instruction: 'Explain tides. #Rewritten Prompt#' });
    expect(strategy.parse(' "" ', ctx)).toEqual({ error: 'empty evolver output' });
  });

  it('loads by its short name', async () => {
    const loaded = await loadStrategy('add-constraints');
    expect(loaded.name).toBe('add-constraints');
  });
});
