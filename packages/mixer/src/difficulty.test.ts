import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { estimateDifficulty, explainDifficulty, learnedDifficulty, ruleDifficulty } from './difficulty.ts';
import { FEATURE_NAMES } from './difficulty-features.ts';
import { spearman } from './difficulty-fit.ts';
import { DIFFICULTY_MODEL, DIFFICULTY_MODEL_PROVENANCE } from './difficulty-model.ts';
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
    const rounds = [0, 1, 2, 3].map((k) =>
      mean([...seeds, ...evolved].filter((r) => r.round === k).map((r) => estimateDifficulty(r.instruction))),
    );
    expect([...rounds].sort((a, b) => a - b)).toEqual(rounds);
    // The round itself adds a little on top, as evolution deepens.
    expect(estimateDifficulty('Sort a list.', { round: 3 })).toBeGreaterThan(estimateDifficulty('Sort a list.'));
  });
});

describe('the fitted model', () => {
  it('is the shipped file: every feature weighted, with its provenance', () => {
    expect(DIFFICULTY_MODEL.features).toEqual([...FEATURE_NAMES]);
    for (const xs of [DIFFICULTY_MODEL.mean, DIFFICULTY_MODEL.scale, DIFFICULTY_MODEL.weights])
      expect(xs).toHaveLength(FEATURE_NAMES.length);
    expect(DIFFICULTY_MODEL.weights.some((w) => w > 0)).toBe(true);
    expect(DIFFICULTY_MODEL_PROVENANCE).toMatch(
      /gcompris-qt-data 3\.1-2.*inspect-evals 0\.28\.0.*never fitted on interview-questions 1\.3\.2/,
    );
  });

  it('gives exact estimates on fixed inputs: half learned model, half the hand-set rules, plus the round', () => {
    const cases: [string, number][] = [
      ['Sort a list.', 1.03],
      ['What is a closure in JavaScript?', 4.26],
      ['Explain, step by step, how the event loop schedules microtasks before rendering, and compare it with Node.js.', 6.45],
      ['Given that f(x) = 5x^3 - 2x + 3, find the value of f(2).', 3.38],
    ];
    for (const [text, expected] of cases) {
      expect(estimateDifficulty(text), text).toBe(expected);
      expect(estimateDifficulty(text)).toBeCloseTo((learnedDifficulty(text) + ruleDifficulty(text)) / 2, 2);
    }
    expect(ruleDifficulty('Sort a list.')).toBe(1);
    expect(estimateDifficulty('Sort a list.', { round: 2 })).toBe(
      Math.round(((learnedDifficulty('Sort a list.') + 1) / 2 + 1 - Math.exp(-1)) * 100) / 100,
    );
  });

  it('explains a score feature by feature: the shares add up to the linear score', () => {
    const text = 'Explain, step by step, how the event loop schedules microtasks before rendering, and compare it with Node.js.';
    const parts = explainDifficulty(text);
    expect(parts.map((p) => p.feature).sort()).toEqual([...FEATURE_NAMES].sort());
    expect(parts[0]?.feature).toBe('techTerms');
    const score = parts.reduce((s, p) => s + p.contribution, 0);
    expect(learnedDifficulty(text)).toBeCloseTo(
      1 + 9 / (1 + Math.exp((-1.7 * (score - DIFFICULTY_MODEL.center)) / DIFFICULTY_MODEL.spread)),
      9,
    );
  });

  it('orders the committed labelled sample (60 interview questions, never fitted on) better than length and the rules alone', () => {
    const file = fileURLToPath(new URL('./fixtures/difficulty/sample.jsonl', import.meta.url));
    const sample = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; label: number });
    expect(sample.map((s) => s.label).filter((l) => l === 1)).toHaveLength(20);
    const labels = sample.map((s) => s.label);
    const rho = (f: (t: string) => number) =>
      Math.round(
        spearman(
          sample.map((s) => f(s.text)),
          labels,
        ) * 1000,
      ) / 1000;
    expect(rho((t) => estimateDifficulty(t))).toBe(0.111);
    expect(rho((t) => t.length)).toBe(-0.157);
    expect(rho(ruleDifficulty)).toBe(-0.149);
    expect(rho(learnedDifficulty)).toBe(0.163);
    // Basic questions get the lowest mean estimate.
    const meanOf = (l: number) => mean(sample.filter((s) => s.label === l).map((s) => estimateDifficulty(s.text)));
    expect(meanOf(1)).toBeLessThan(Math.min(meanOf(2), meanOf(3)));
  });
});
