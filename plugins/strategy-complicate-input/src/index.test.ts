// The complicate-input strategy: format choice with ctx.random, options, prompt shape, loading.
import { describe, expect, it } from 'vitest';
import { loadStrategy, type EvolRecord, type StrategyContext } from '@evolflow/core';
import factory, { FORMATS } from './index.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx = (random: number, options: Record<string, unknown> = {}): StrategyContext => ({ random: () => random, options, logger });
const parent: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'List the three largest cities of Peru.',
  input: 'Use 2020 figures.',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe('strategy complicate-input', () => {
  const strategy = factory({});

  it('picks one default format with ctx.random and returns it', () => {
    expect(strategy.kind).toBe('depth');
    const picked = [0, 0.2, 0.4, 0.6, 0.8, 0.3].map((r) => strategy.prompt(parent, ctx(r)).format);
    expect(picked).toEqual(['json', 'sql', 'python', 'javascript', 'markdown-table', 'sql']);
  });

  it('asks for data in that format and folds the input in', () => {
    const { messages } = strategy.prompt(parent, ctx(0.3));
    const content = messages[0]?.content ?? '';
    expect(content).toContain('add data written in sql format, in one fenced block');
    expect(content).toContain('#The Given Prompt#:\nList the three largest cities of Peru.\n\nUse 2020 figures.\n\n#Rewritten Prompt#:');
  });

  it('honours options.formats from ctx or the factory, and rejects unknown ones', () => {
    expect(strategy.prompt(parent, ctx(0.99, { formats: ['yaml', 'xml'] })).format).toBe('xml');
    expect(factory({ formats: ['rust'] }).prompt(parent, ctx(0.5)).format).toBe('rust');
    expect(FORMATS).toHaveLength(14);
    expect(() => strategy.prompt(parent, ctx(0.5, { formats: ['cobol'] }))).toThrow(/cobol/);
    expect(() => strategy.prompt(parent, ctx(0.5, { formats: [] }))).toThrow(/formats/);
  });

  it('parses like every strategy', () => {
    expect(strategy.parse("'Use this:\n```json\n{}\n```'", ctx(0))).toEqual({ instruction: 'Use this:\n```json\n{}\n```' });
    expect(strategy.parse('   ', ctx(0))).toEqual({ error: 'empty evolver output' });
  });

  it('loads by its short name', async () => {
    expect((await loadStrategy('complicate-input')).name).toBe('complicate-input');
  });
});
