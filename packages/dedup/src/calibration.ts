// Threshold calibration on labelled pairs: precision, recall and F1 of "similarity >= threshold" as a duplicate test.
import { readFileSync } from 'node:fs';
import { EvolflowError } from '@evolflow/core';

/** One labelled pair; `same` is the gold label (STS-B: score >= 4). */
export interface LabelledPair {
  a: string;
  b: string;
  score: number;
  same: boolean;
}

/** Precision, recall and F1 of the duplicate decision at one threshold. */
export interface CurvePoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Read STS-B style TSV (genre, file, year, id, score, s1, s2); `sameAt` is the score from which a pair means the same. */
export function readStsPairs(file: string, sameAt = 4): LabelledPair[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const pairs: LabelledPair[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const cols = line.split('\t');
    const score = Number(cols[4]);
    if (cols.length < 7 || Number.isNaN(score))
      throw new EvolflowError('input', `${file}:${i + 1}: expected 7 tab-separated columns with a numeric score in the 5th`, {
        details: { file, line: i + 1 },
      });
    pairs.push({ a: cols[5] as string, b: cols[6] as string, score, same: score >= sameAt });
  });
  return pairs;
}

/** The decision's quality at one threshold. */
export function evaluateAt(similarities: readonly number[], labels: readonly boolean[], threshold: number): CurvePoint {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  similarities.forEach((s, i) => {
    const predicted = s >= threshold;
    if (predicted && labels[i]) tp += 1;
    else if (predicted) fp += 1;
    else if (labels[i]) fn += 1;
  });
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, precision, recall, f1, tp, fp, fn };
}

/** The precision-recall curve over thresholds `from`..`to` in `step`s (rounded to 3 decimals). */
export function precisionRecallCurve(
  similarities: readonly number[],
  labels: readonly boolean[],
  range = { from: 0.5, to: 0.99, step: 0.01 },
): CurvePoint[] {
  const out: CurvePoint[] = [];
  const steps = Math.round((range.to - range.from) / range.step);
  for (let k = 0; k <= steps; k++) out.push(evaluateAt(similarities, labels, Math.round((range.from + k * range.step) * 1000) / 1000));
  return out;
}

/** The lowest threshold (most recall) on the curve from which precision stays at or above `minPrecision`. */
export function chooseThreshold(curve: readonly CurvePoint[], minPrecision: number): CurvePoint | null {
  for (let i = 0; i < curve.length; i++) {
    if (curve.slice(i).every((p) => p.precision >= minPrecision)) return curve[i] as CurvePoint;
  }
  return null;
}

/**
 * Read a labelled pairs file: `label<TAB>text a<TAB>text b` per line, label 1 (same meaning / duplicate) or 0;
 * blank lines and lines starting with `#` are skipped. `score` is the label.
 */
export function readLabelledPairs(file: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const cols = line.split('\t');
      if (cols.length !== 3 || (cols[0] !== '0' && cols[0] !== '1'))
        throw new EvolflowError('input', `${file}:${i + 1}: expected label (0 or 1), text a and text b, tab-separated`, {
          details: { file, line: i + 1 },
        });
      pairs.push({ a: cols[1] as string, b: cols[2] as string, score: Number(cols[0]), same: cols[0] === '1' });
    });
  return pairs;
}

// A Han, kana or Hangul character is a word of its own (those scripts put no spaces between words).
const WORDS =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|(?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{N}])+/gu;

/** The set of lower-cased words of a text (each CJK character counts as one word). */
export const wordSet = (text: string): Set<string> => new Set(text.toLowerCase().match(WORDS) ?? []);

function overlap(a: Set<string>, b: Set<string>): number {
  let n = 0;
  for (const w of a) if (b.has(w)) n += 1;
  return n;
}

/** Word-Jaccard similarity |A ∩ B| / |A ∪ B| of two texts' word sets: the lexical baseline. */
export function wordJaccard(a: string, b: string): number {
  const x = wordSet(a);
  const y = wordSet(b);
  const both = overlap(x, y);
  const union = x.size + y.size - both;
  return union === 0 ? 1 : both / union;
}

/** Word containment |A ∩ B| / min(|A|, |B|): high when one text is the other with words added. */
export function wordContainment(a: string, b: string): number {
  const x = wordSet(a);
  const y = wordSet(b);
  const smaller = Math.min(x.size, y.size);
  return smaller === 0 ? (x.size === y.size ? 1 : 0) : overlap(x, y) / smaller;
}

/**
 * Wilson score lower bound of a precision `tp / (tp + fp)` at `z` standard deviations (1.645: one-sided 95%):
 * how low the precision may really be, given how few pairs a threshold catches.
 */
export function precisionLowerBound(tp: number, fp: number, z: number): number {
  const n = tp + fp;
  if (n === 0) return 0;
  const p = tp / n;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/**
 * The point of highest recall among those with precision >= `minPrecision` and at least one true positive
 * (ties: the higher threshold); null when no threshold reaches that precision. With `z`, the precision that
 * must reach `minPrecision` is its Wilson lower bound (`precisionLowerBound`), which keeps a threshold from being
 * picked on a lucky handful of pairs.
 */
export function bestRecallAtPrecision(curve: readonly CurvePoint[], minPrecision: number, z = 0): CurvePoint | null {
  let best: CurvePoint | null = null;
  for (const p of curve) {
    const precision = z > 0 ? precisionLowerBound(p.tp, p.fp, z) : p.precision;
    if (p.tp === 0 || precision < minPrecision) continue;
    if (!best || p.recall > best.recall || (p.recall === best.recall && p.threshold > best.threshold)) best = p;
  }
  return best;
}

/** Area under the ROC curve (probability that a random positive scores above a random negative; ties count half). */
export function rocAuc(scores: readonly number[], labels: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, y: labels[i] === true })).sort((p, q) => p.s - q.s);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && (order[j] as { s: number }).s === (order[i] as { s: number }).s) j += 1;
    const rank = (i + j + 1) / 2; // mean 1-based rank of the tie group
    for (let k = i; k < j; k++)
      if ((order[k] as { y: boolean }).y) {
        rankSum += rank;
        positives += 1;
      }
    i = j;
  }
  const negatives = order.length - positives;
  return positives === 0 || negatives === 0 ? 0.5 : (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Split pairs into a calibration half (even positions) and a report half (odd positions), so a threshold is never picked on the pairs it is reported on. */
export function splitHalves<T>(items: readonly T[]): { calibrate: T[]; report: T[] } {
  return { calibrate: items.filter((_, i) => i % 2 === 0), report: items.filter((_, i) => i % 2 === 1) };
}
