// The math-steps strategy: prompt shape, Alpaca input folding, output parsing, loading by name.
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
  instruction: 'Tom has 3 bags with 4 apples each. How many apples does he have?',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe('strategy math-steps', () => {
  const strategy = factory({});

  it('asks for its one direction around the given prompt', () => {
    const { messages, format } = strategy.prompt(parent, ctx);
    expect(strategy.name).toBe('math-steps');
    expect(strategy.kind).toBe('depth');
    expect(format).toBeUndefined();
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? '';
    expect(content).toContain('one more step of reasoning');
    expect(content).toContain('exactly one correct numeric answer');
    expect(content).toContain(
      '#The Given Prompt#:\nTom has 3 bags with 4 apples each. How many apples does he have?\n\n#Rewritten Prompt#:',
    );
    expect(content.trimEnd().endsWith('#Rewritten Prompt#:')).toBe(true);
  });

  it('folds the Alpaca input into the prompt', () => {
    const content = strategy.prompt({ ...parent, input: 'Data: 3, 4' }, ctx).messages[0]?.content ?? '';
    expect(content).toContain('Tom has 3 bags with 4 apples each. How many apples does he have?\n\nData: 3, 4\n\n#Rewritten Prompt#:');
  });

  it('parses: cuts a worked solution or answer the evolver appended, keeps the problem, rejects empty output', () => {
    expect(
      strategy.parse(
        'Tom has 5 bags with 6 apples each and gives away 7. How many apples are left?\n\nSolution: 5 * 6 = 30, 30 - 7 = 23.\nAnswer: 23',
        ctx,
      ),
    ).toEqual({ instruction: 'Tom has 5 bags with 6 apples each and gives away 7. How many apples are left?' });
    expect(strategy.parse('小明有5袋苹果，每袋6个，送出7个，还剩多少个？\n答案：23', ctx)).toEqual({
      instruction: '小明有5袋苹果，每袋6个，送出7个，还剩多少个？',
    });
    expect(strategy.parse('**Answer:** 23', ctx)).toEqual({ error: 'empty evolver output' });
    expect(strategy.parse('"Tom has 5 bags of 6 apples. What is the total?"', ctx)).toEqual({
      instruction: 'Tom has 5 bags of 6 apples. What is the total?',
    });
  });

  it('loads by its short name', async () => {
    const loaded = await loadStrategy('math-steps');
    expect(loaded.name).toBe('math-steps');
  });
});
