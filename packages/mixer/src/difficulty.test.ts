import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { difficultyJudgeMessages, estimateDifficulty, parseDifficulty } from './difficulty.ts';
import { evolvedFrom, selfInstructSeeds, VICUNA } from './test-records.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the difficulty judge', () => {
  it('asks for a 1-10 rating of the instruction, as a number only', () => {
    const messages = difficultyJudgeMessages('Sort a list of numbers.');
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m?.role).toBe('user');
    expect(m?.content).toMatch(/#Instruction#: Sort a list of numbers\.$/);
    expect(m?.content).toMatch(/rate the difficulty/i);
    expect(m?.content).toMatch(/from 1 to 10/);
    expect(m?.content).toMatch(/number only/);
  });

  it('parses the rating from the usual answers, and null from none', () => {
    const cases: [string, number | null][] = [
      ['7', 7], [' 8\n', 8], ['Score: 6.5', 6.5], ['8/10', 8], ['I would rate it 9 out of 10.', 9], ['10', 10], ['Difficulty (1-10): 4', 4],
      ['On a scale from 1 to 10, 3.', 3], ['It is 3.', 3], ['', null], ['hard', null], ['0', null], ['11', null], ['12 out of 10', null],
    ];
    for (const [text, expected] of cases) expect(parseDifficulty(text), text).toBe(expected);
  });
});

describe('the offline estimate', () => {
  it('stays on the 1-10 scale and is deterministic', () => {
    for (const text of ['', 'Hi', 'x '.repeat(5000)]) {
      const s = estimateDifficulty(text);
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(10);
      expect(estimateDifficulty(text)).toBe(s);
    }
  });

  it('scores the harder vicuna categories above the simple ones (human-assigned categories)', () => {
    const by = new Map<string, number[]>();
    for (const line of readFileSync(VICUNA, 'utf8').trim().split('\n')) {
      const q = JSON.parse(line) as { category: string; turns: string[] };
      const list = by.get(q.category) ?? [];
      list.push(estimateDifficulty(q.turns[0] as string));
      by.set(q.category, list);
    }
    const m = (c: string) => mean(by.get(c) ?? []);
    // Fermi estimates and maths ask for multi-step reasoning; generic advice and what-if questions do not.
    expect(Math.min(m('fermi'), m('math'))).toBeGreaterThan(Math.max(m('generic'), m('counterfactual')));
  });

  it('scores each added demand higher, and later rounds higher than their seeds', () => {
    const seeds = selfInstructSeeds();
    const evolved = evolvedFrom(seeds, 3);
    const byId = new Map([...seeds, ...evolved].map((r) => [r.id, r]));
    let higher = 0;
    for (const r of evolved) {
      const parent = byId.get(r.parentId as string);
      if (parent && estimateDifficulty(r.instruction) > estimateDifficulty(parent.instruction)) higher++;
    }
    expect(higher / evolved.length).toBeGreaterThan(0.95);
    const rounds = [0, 1, 2, 3].map((k) => mean([...seeds, ...evolved].filter((r) => r.round === k).map((r) => estimateDifficulty(r.instruction))));
    expect([...rounds].sort((a, b) => a - b)).toEqual(rounds);
    // The round itself adds a little on top, as evolution deepens.
    expect(estimateDifficulty('Sort a list.', { round: 3 })).toBeGreaterThan(estimateDifficulty('Sort a list.'));
  });
});
