import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateDifficulty } from './difficulty.ts';
import { evolvedFrom, selfInstructSeeds, VICUNA } from './test-records.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

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
