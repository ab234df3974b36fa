// The estimator's features and its fitting tools on fixed inputs: exact values, so a change to a cue
// list, the word list or the fit shows up here first.
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, featureVector, RARE_ZIPF, zipfOf } from './difficulty-features.ts';
import { featureRow, fitDifficultyModel, scoreRow, spearman, type LabelledInstruction } from './difficulty-fit.ts';

const rounded = (f: Record<string, number>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]));

describe('difficulty features', () => {
  it('reads a short plain request', () => {
    expect(rounded(featureVector('Sort a list.'))).toEqual({
      logChars: 2.5649,
      constraints: 0,
      reasoning: 0,
      formats: 0,
      nesting: 0,
      numbers: 0,
      longWordShare: 0,
      meanWordLength: 3,
      code: 0,
      math: 0,
      techTerms: 0,
      definitional: 0,
      build: 0,
      sentences: 0.6931,
      rarity: 1.2997,
      rareWords: 0,
      rareShare: 0,
    });
  });

  it('reads a definitional question, a multi-part explanation and a formula', () => {
    expect(rounded(featureVector('What is a closure in JavaScript?'))).toMatchObject({
      formats: 0.6931,
      techTerms: 0.6931,
      definitional: 1,
      rareWords: 0.6931,
      rareShare: 0.1667,
      longWordShare: 0.1667,
    });
    expect(
      rounded(
        featureVector('Explain, step by step, how the event loop schedules microtasks before rendering, and compare it with Node.js.'),
      ),
    ).toMatchObject({
      reasoning: 1.3863,
      nesting: 1.3863,
      techTerms: 1.0986,
      definitional: 0,
      rareWords: 0.6931,
      code: 0,
    });
    expect(rounded(featureVector('Given that f(x) = 5x^3 - 2x + 3, find the value of f(2).'))).toMatchObject({
      numbers: 1.3863,
      code: 0.6667,
      math: 0.3333,
      nesting: 2.0794,
    });
  });

  it('gives every feature a finite value for empty, Chinese and very long text', () => {
    for (const text of ['', '   ', '请解释量子纠缠的原理，并举例说明。', 'x '.repeat(5000)]) {
      const f = featureVector(text);
      expect(Object.keys(f)).toEqual([...FEATURE_NAMES]);
      for (const v of Object.values(f)) expect(Number.isFinite(v)).toBe(true);
    }
    // Rarity is measured on English words only: Chinese text is not "rare", just not in the list.
    expect(featureVector('请解释量子纠缠的原理，并举例说明。')).toMatchObject({ rarity: 0, rareWords: 0, rareShare: 0 });
  });

  it('looks words up in SUBTLEX-US, case folded', () => {
    expect(zipfOf('the')).toBeCloseTo(7.4801, 4);
    expect(zipfOf('The')).toBe(zipfOf('the'));
    expect(zipfOf('closure')).toBeCloseTo(3.5049, 4);
    expect(zipfOf('microtask')).toBeLessThan(RARE_ZIPF);
  });
});

describe('fitting and measuring', () => {
  it('computes Spearman with average ranks for ties', () => {
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.948683, 6);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBe(0);
    expect(() => spearman([1], [1, 2])).toThrow(/1 values against 2/);
  });

  it('learns to rank by the feature that orders the labels, and compares labels only within a set', () => {
    const items: LabelledInstruction[] = [
      { text: 'Sort.', label: 1, set: 'a' },
      { text: 'Sort the list of numbers.', label: 2, set: 'a' },
      { text: 'Sort the list of numbers by size, then by name, and keep ties stable.', label: 3, set: 'a' },
      // A set on another scale: its labels are never compared with set a's.
      { text: 'Sort the list of numbers by size, then by name, and keep ties stable, in place.', label: 0, set: 'b' },
      { text: 'Sort numbers by size, then name.', label: -1, set: 'b' },
    ];
    const model = fitDifficultyModel(items, { only: ['logChars'], signs: { logChars: 1 } });
    expect(model.weights.filter((w) => w !== 0)).toHaveLength(1);
    expect(model.weights[FEATURE_NAMES.indexOf('logChars')]).toBeGreaterThan(0);
    const score = (t: string) => scoreRow(model, featureRow(t));
    expect(score('Sort the list of numbers by size.')).toBeGreaterThan(score('Sort.'));
    // A sign constraint holds even against the data: a negative-only weight on length stays at 0.
    expect(fitDifficultyModel(items, { only: ['logChars'], signs: { logChars: -1 } }).weights.every((w) => w === 0)).toBe(true);
  });

  it('is deterministic', () => {
    const items: LabelledInstruction[] = [
      'Add two numbers.',
      'Explain recursion with an example.',
      'Prove that there are infinitely many primes, step by step.',
    ].map((text, i) => ({ text, label: i }));
    expect(fitDifficultyModel(items)).toEqual(fitDifficultyModel(items));
  });
});
