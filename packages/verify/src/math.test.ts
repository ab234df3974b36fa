// The math check on real wording: which instructions are math (a labelled corpus, English and Chinese, against
// the "contains a digit" baseline), final answers as models state them, normalisation, majority verdicts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLines, readSeedTasks, vicunaPath } from '@evolflow/testdata';
import { extractFinalAnswer, judgeMath, looksLikeMath, normaliseAnswer } from './math.ts';

interface Item {
  text: string;
  math: boolean;
  source: string;
}
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const own = (name: string): Item[] =>
  readFileSync(fixture(name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; math: boolean; lang: string })
    .map((d) => ({ text: d.text, math: d.math, source: `own-${d.lang}` }));

// Self-instruct seed tasks whose answer is a number or a set of numbers (labels: fixtures/README.md).
const SELF_INSTRUCT_MATH = new Set([22, 25, 35, 45, 58, 83, 109, 110, 136, 144, 164].map((n) => `seed_task_${n}`));
function corpus(): Item[] {
  const items = own('math-corpus.jsonl');
  for (const t of readSeedTasks()) {
    items.push({
      text: `${t.instruction}\n\n${t.instances[0]?.input ?? ''}`.trim(),
      math: SELF_INSTRUCT_MATH.has(t.id),
      source: 'self-instruct',
    });
  }
  // Vicuna: the 3 `math` questions; the 10 `fermi` estimates have no single right answer to vote on.
  for (const l of readLines(vicunaPath)) {
    const d = JSON.parse(l) as { category: string; turns: string[] };
    items.push({ text: d.turns[0] as string, math: d.category === 'math', source: 'vicuna' });
  }
  return items;
}

function score(items: readonly Item[], rule: (text: string) => boolean) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const it of items) {
    const said = rule(it.text);
    if (said && it.math) tp++;
    else if (said) fp++;
    else if (it.math) fn++;
  }
  return { tp, fp, fn };
}
const digit = (text: string) => /\d/.test(text);

describe('looksLikeMath', () => {
  it('on the labelled corpus (own EN/ZH, 175 self-instruct seeds, 80 vicuna questions): every math ask, no other', () => {
    const items = corpus();
    expect(items).toHaveLength(365);
    expect(items.filter((i) => i.math)).toHaveLength(84);
    expect(score(items, (t) => looksLikeMath(t))).toEqual({ tp: 84, fp: 0, fn: 0 });
    // The baseline "contains a digit": precision 83 / 150.
    expect(score(items, digit)).toEqual({ tp: 83, fp: 67, fn: 1 });
  });

  it('on the held-out corpus written after the rule: precision 18/18, recall 18/23 (digit baseline 23/41, 23/23)', () => {
    const items = own('math-corpus-heldout.jsonl');
    expect(score(items, (t) => looksLikeMath(t))).toEqual({ tp: 18, fp: 0, fn: 5 });
    expect(score(items, digit)).toEqual({ tp: 23, fp: 18, fn: 0 });
  });

  it('reads Chinese word problems and equations, and not Chinese essays or code asks with numbers', () => {
    expect(looksLikeMath('小明有15个苹果，吃了3个，又买了8个，现在他有多少个苹果？')).toBe(true);
    expect(looksLikeMath('解方程：3x + 5 = 20。')).toBe(true);
    expect(looksLikeMath('写一篇300字的作文，题目是《我的妈妈》。')).toBe(false);
    expect(looksLikeMath('用Python写一个函数，计算列表中所有数字的和。')).toBe(false);
  });

  it('takes a boxed or #### answer as a hint only when the instruction has numbers', () => {
    expect(looksLikeMath('Tom has 3 bags with 4 balls each. Tell me about his balls.', 'He has \\boxed{12} balls.')).toBe(true);
    expect(looksLikeMath('Tom has 3 bags with 4 balls each. Tell me about his balls.')).toBe(false);
    expect(looksLikeMath('Tell me a joke.', '#### 12')).toBe(false);
  });
});

describe('extractFinalAnswer', () => {
  it('prefers \\boxed{}, with nested braces, over everything else', () => {
    expect(extractFinalAnswer('The answer is 3.\nSo $x = \\boxed{\\frac{3}{4}}$.')).toBe('\\frac{3}{4}');
    expect(extractFinalAnswer('First \\boxed{1}, then correcting myself: \\boxed{2}')).toBe('2');
  });

  it('reads GSM8K #### lines and "the answer is" / "Answer:" / 答案是 statements', () => {
    expect(extractFinalAnswer('Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 * 2 = $18 every day at the market.\n#### 18')).toBe(
      '18',
    );
    expect(extractFinalAnswer('5 + 6 = 11 balls in all. The answer is 11.')).toBe('11');
    expect(extractFinalAnswer('Final Answer: The final answer is $0.75$. I hope it is correct.')).toBe('0.75');
    expect(extractFinalAnswer('**Answer:** 42 apples')).toBe('42 apples');
    expect(extractFinalAnswer('The final answer is $1,250.00.')).toBe('1,250.00');
    expect(extractFinalAnswer('小明现在有 15 - 3 + 8 = 20 个苹果。\n答案是：20个。')).toBe('20个');
    expect(extractFinalAnswer('解：设兔有x只。\n答：兔有12只，鸡有23只。')).toBe('兔有12只');
  });

  it('takes the value after = on the last line, a system solution whole, and the last number only as a fallback', () => {
    expect(extractFinalAnswer('Step 1: 3 * 4 = 12\nStep 2: 12 + 5 = 17')).toBe('17');
    expect(extractFinalAnswer('Adding the equations gives 2x = 6.\nx = 3, y = 2')).toBe('x = 3, y = 2');
    expect(extractFinalAnswer('There are 7 marbles left out of the 10')).toBe('10');
    expect(extractFinalAnswer('I am not sure how to solve this.')).toBeUndefined();
    expect(extractFinalAnswer('Answer: Let us think it through step by step.\n6 boxes of 4 is 24, plus 3\nTotal = 27')).toBe('27');
  });
});

describe('normaliseAnswer', () => {
  it('makes equal numbers equal: fractions, decimals, LaTeX, percentages, separators, mixed numbers, number words', () => {
    const same = (forms: string[]) => expect(new Set(forms.map(normaliseAnswer)).size).toBe(1);
    same(['3/4', '0.75', '\\frac{3}{4}', '\\dfrac{3}{4}', '75%', '.75']);
    same(['1234', '1,234', '$1,234', '1234.00', '1,234 dollars']);
    same(['2 1/2', '2.5', '5/2', '\\frac52']);
    same(['9', '2^3+1', 'sqrt(81)', '\\sqrt{81}', 'x = 9', 'nine', '9 apples', '9个', '9.']);
    expect(normaliseAnswer('3/4')).toBe('0.75');
    expect(normaliseAnswer('-0')).toBe('0');
  });

  it('strips units, currency and words around one number, keeps pi and variables', () => {
    expect(normaliseAnswer('12 km/h')).toBe('12');
    expect(normaliseAnswer('126 cm^2')).toBe('126');
    expect(normaliseAnswer('Mia is 30 years old')).toBe('30');
    expect(normaliseAnswer('约 8 元')).toBe('8');
    expect(normaliseAnswer('20\\pi')).toBe(normaliseAnswer('20 pi'));
    expect(normaliseAnswer('2x + 3')).toBe(normaliseAnswer('3 + 2x'));
  });

  it('orders solutions and alternatives, reads short word answers, refuses what it cannot read', () => {
    expect(normaliseAnswer('y = 2, x = 3')).toBe(normaliseAnswer('x = 3 and y = 2'));
    expect(normaliseAnswer('2 or 3')).toBe(normaliseAnswer('3, 2'));
    expect(normaliseAnswer('(B)')).toBe('b');
    expect(normaliseAnswer('1/0')).toBeUndefined();
    expect(normaliseAnswer('  ')).toBeUndefined();
    expect(normaliseAnswer('it depends on several things we do not know here')).toBeUndefined();
  });

  it('evaluates only arithmetic: no function calls, assignments or names beyond pi, e and one-letter variables', () => {
    expect(normaliseAnswer('import("fs")')).not.toMatch(/\d/);
    expect(normaliseAnswer('evaluate("1+1")')).not.toBe('2');
    expect(normaliseAnswer('[1,2] * 3')).toBeUndefined();
    expect(normaliseAnswer('f = 2 + 2')).toBe('4');
    expect(normaliseAnswer('cos(0) + abs(-2)')).toBe('3');
  });
});

describe('judgeMath', () => {
  const say = (n: string) => `Let me work it out step by step.\nSo the result is ${n}.\nThe answer is ${n}.`;

  it('keeps a response a strict majority agrees with', () => {
    const v = judgeMath(say('18'), ['She makes 9 * 2 = 18 dollars.\n#### 18', say('17')]);
    expect(v).toMatchObject({ ok: true, answer: '18', votes: { 18: 2, 17: 1 }, samples: 3 });
    expect(v.detail).toBe('2/3 agree on 18');
    expect(judgeMath('\\boxed{\\frac{1}{2}}', ['The answer is 0.5.', 'The answer is 50%.'])).toMatchObject({
      ok: true,
      answer: '0.5',
      votes: { '0.5': 3 },
    });
  });

  it('rejects no-consensus when the majority is another answer, or when there is no strict majority', () => {
    expect(judgeMath(say('17'), [say('18'), say('18')])).toMatchObject({ ok: false, reason: 'no-consensus', answer: '17' });
    const split = judgeMath(say('1'), [say('2'), say('3')]);
    expect(split).toMatchObject({ ok: false, reason: 'no-consensus', votes: { 1: 1, 2: 1, 3: 1 } });
    expect(split.detail).toBe("1/3 agree on the response's 1 (1 x1, 2 x1, 3 x1)");
    // 2 of 4 is not a strict majority.
    expect(judgeMath(say('5'), [say('5'), say('6'), say('6')])).toMatchObject({ ok: false, reason: 'no-consensus' });
  });

  it('counts samples without an answer as votes for nothing', () => {
    expect(judgeMath(say('5'), ['I cannot tell.', 'Hmm.'])).toMatchObject({
      ok: false,
      reason: 'no-consensus',
      votes: { 5: 1 },
      samples: 3,
    });
    expect(judgeMath(say('5'), [say('5'), 'I cannot tell.'])).toMatchObject({ ok: true, votes: { 5: 2 } });
  });

  it('rejects no-answer when the response states none', () => {
    const v = judgeMath('This problem needs more information.', [say('5')]);
    expect(v).toMatchObject({ ok: false, reason: 'no-answer', samples: 2, votes: { 5: 1 } });
    expect(v.answer).toBeUndefined();
  });

  it('agrees across English and Chinese wording of the same answer', () => {
    expect(judgeMath('所以兔有12只。\n答案是：12只', ['There are 12 rabbits.\n#### 12', '兔子的数量 = 12'])).toMatchObject({
      ok: true,
      answer: '12',
      votes: { 12: 3 },
    });
  });
});
