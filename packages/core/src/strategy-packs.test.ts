// The eight pack strategy plugins (packs.ts: code and math), one table: each row is one plugin as the host
// loads it (by its short name), with its kind, its pack weight, what its prompt must say, the markers around
// the given prompt, and what its parse keeps (code blocks for the code pack, the problem without an appended
// solution for the math pack). One test, row by row, instead of eight copies of the same file (issue 15's
// rule, as strategy-kit.test.ts does for the in-depth four); a check that concerns one plugin only gets its own `it`.
import { describe, expect, it } from 'vitest';
import type { ParsedEvolution, StrategyContext } from './contracts.ts';
import { STRATEGY_PACKS, type StrategyPack } from './packs.ts';
import { loadStrategy } from './plugins.ts';
import type { EvolRecord } from './record.ts';

/** Each pack's seed instruction and what its plugins' parse must do with an evolver's output. */
const PACK_CASES: Readonly<
  Record<StrategyPack, { seed: string; parses: readonly (readonly [output: string, result: ParsedEvolution])[] }>
> = {
  code: {
    seed: 'Write a Python function that reverses a string.',
    parses: [
      [
        '#Rewritten Prompt#: Write a Python function that reverses a string in place.',
        { instruction: 'Write a Python function that reverses a string in place.' },
      ],
      // A fenced block is kept as written, wrong code included (code-misdirect's reference must reach validate).
      [
        'Fix and finish this:\n```python\ndef rev(s):\n    return s[::1]\n```',
        { instruction: 'Fix and finish this:\n```python\ndef rev(s):\n    return s[::1]\n```' },
      ],
      [' "" ', { error: 'empty evolver output' }],
    ],
  },
  math: {
    seed: 'Tom has 3 bags with 4 apples each. How many apples does he have?',
    parses: [
      [
        'Tom has 5 bags with 6 apples each and gives away 7. How many apples are left?\n\nSolution: 5 * 6 = 30, 30 - 7 = 23.\nAnswer: 23',
        { instruction: 'Tom has 5 bags with 6 apples each and gives away 7. How many apples are left?' },
      ],
      ['小明有5袋苹果，每袋6个，送出7个，还剩多少个？\n答案：23', { instruction: '小明有5袋苹果，每袋6个，送出7个，还剩多少个？' }],
      ['**Answer:** 23', { error: 'empty evolver output' }],
      ['"Tom has 5 bags of 6 apples. What is the total?"', { instruction: 'Tom has 5 bags of 6 apples. What is the total?' }],
    ],
  },
};

interface PackRow {
  name: string;
  pack: StrategyPack;
  kind: 'depth' | 'breadth';
  /** The weight `strategies.packs` gives it (1 where the pack says nothing). */
  weight: number;
  /** What its prompt must say: first its direction (in no other row's prompt), then the rest of its own wording. */
  says: readonly [direction: string, ...more: string[]];
  /** The markers before the given prompt and before the evolver's answer. */
  markers: readonly [given: string, answer: string];
}

const REWRITE = ['#The Given Prompt#', '#Rewritten Prompt#'] as const;
const CREATE = ['#Given Prompt#', '#Created Prompt#'] as const;

const ROWS: readonly PackRow[] = [
  {
    name: 'code-constraints',
    pack: 'code',
    kind: 'depth',
    weight: 1,
    says: ['add one new requirement the code must meet', '10 to 20 words'],
    markers: REWRITE,
  },
  {
    name: 'code-reasoning',
    pack: 'code',
    kind: 'depth',
    weight: 1,
    says: ['make it need more logical steps', 'programming task', '10 to 20 words'],
    markers: REWRITE,
  },
  {
    name: 'code-misdirect',
    pack: 'code',
    kind: 'depth',
    weight: 1,
    // The wrong reference code must still parse: a logic error, not a syntax error (validate rejects the latter).
    says: ['subtly wrong', 'parses and runs', 'at most 15 lines of code'],
    markers: REWRITE,
  },
  {
    name: 'code-complexity',
    pack: 'code',
    kind: 'depth',
    weight: 0.5,
    says: ['complexity bound stricter', 'O(1) extra space', 'only a bound that can be met'],
    markers: REWRITE,
  },
  {
    name: 'math-harder',
    pack: 'math',
    kind: 'depth',
    weight: 1,
    says: ['one more condition, quantity or unknown', 'exactly one correct numeric answer', 'Do not solve it'],
    markers: REWRITE,
  },
  {
    name: 'math-easier',
    pack: 'math',
    kind: 'depth',
    weight: 1,
    says: ['easier version of the same problem', 'smaller and rounder numbers', 'exactly one correct numeric answer'],
    markers: REWRITE,
  },
  {
    name: 'math-steps',
    pack: 'math',
    kind: 'depth',
    weight: 1,
    says: ['one more step of reasoning', 'exactly one correct numeric answer'],
    markers: REWRITE,
  },
  {
    name: 'math-quantities',
    pack: 'math',
    kind: 'breadth',
    weight: 1,
    says: ['different quantities and a different everyday setting', 'whole items stay whole'],
    markers: CREATE,
  },
];

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: StrategyContext = { random: () => 0.3, options: {}, logger };
const parentOf = (pack: StrategyPack): EvolRecord => ({
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: PACK_CASES[pack].seed,
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
});

it('has one row for every strategy of every pack, in pack order', () => {
  const packed = Object.entries(STRATEGY_PACKS).flatMap(([pack, { strategies }]) => strategies.map((name) => `${pack}/${name}`));
  expect(ROWS.map((r) => `${r.pack}/${r.name}`)).toEqual(packed);
});

describe.each(ROWS.map((row) => [row.name, row] as const))('pack strategy %s', (name, row) => {
  const parent = parentOf(row.pack);
  const weights: Readonly<Record<string, number>> = STRATEGY_PACKS[row.pack].weights;

  it('loads by its short name, of its kind, at its pack weight', async () => {
    const strategy = await loadStrategy(name);
    expect([strategy.name, strategy.kind]).toEqual([name, row.kind]);
    expect(weights[name] ?? 1).toBe(row.weight);
  });

  it('asks for its one direction around the given prompt', async () => {
    const strategy = await loadStrategy(name);
    const { messages, format } = strategy.prompt(parent, ctx);
    expect(format).toBeUndefined();
    expect(messages).toHaveLength(1);
    const content = messages[0]?.content ?? '';
    for (const words of row.says) expect(content).toContain(words);
    // No other row's direction leaks in.
    for (const other of ROWS) if (other.name !== name) expect(content, other.name).not.toContain(other.says[0]);
    const [given, answer] = row.markers;
    expect(content).toContain(`${given}:\n${parent.instruction}\n\n${answer}:`);
    expect(content.trimEnd().endsWith(`${answer}:`)).toBe(true);
  });

  it('folds the Alpaca input into the prompt', async () => {
    const strategy = await loadStrategy(name);
    const content = strategy.prompt({ ...parent, input: 'Data: 3, 4' }, ctx).messages[0]?.content ?? '';
    expect(content).toContain(`${parent.instruction}\n\nData: 3, 4\n\n${row.markers[1]}:`);
  });

  it(`parses as its pack's plugins do (${row.pack}: ${row.pack === 'code' ? 'keeps code blocks' : 'cuts an appended solution'}), rejects empty output`, async () => {
    const strategy = await loadStrategy(name);
    for (const [output, result] of PACK_CASES[row.pack].parses) expect(strategy.parse(output, ctx), output).toEqual(result);
  });
});

describe('pack strategy code-constraints (its own options)', () => {
  it('picks its other direction by ctx.random, and only the directions the options allow', async () => {
    const strategy = await loadStrategy('code-constraints');
    const parent = parentOf('code');
    const other = strategy.prompt(parent, { ...ctx, random: () => 0.9 }).messages[0]?.content ?? '';
    expect(other).toContain('replace one common, well-known requirement');
    const narrowed =
      strategy.prompt(parent, { ...ctx, random: () => 0.9, options: { directions: ['constraint'] } }).messages[0]?.content ?? '';
    expect(narrowed).toContain('add one new requirement the code must meet');
  });
});
