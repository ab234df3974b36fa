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
    if (cols.length < 7 || Number.isNaN(score)) throw new EvolflowError('input', `${file}:${i + 1}: expected 7 tab-separated columns with a numeric score in the 5th`, { details: { file, line: i + 1 } });
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

/** The precision-recall curve over thresholds `from`..`to` in `step`s (rounded to 2 decimals). */
export function precisionRecallCurve(similarities: readonly number[], labels: readonly boolean[], range = { from: 0.5, to: 0.99, step: 0.01 }): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let t = range.from; t <= range.to + 1e-9; t += range.step) out.push(evaluateAt(similarities, labels, Math.round(t * 100) / 100));
  return out;
}

/** The lowest threshold (most recall) on the curve from which precision stays at or above `minPrecision`. */
export function chooseThreshold(curve: readonly CurvePoint[], minPrecision: number): CurvePoint | null {
  for (let i = 0; i < curve.length; i++) {
    if (curve.slice(i).every((p) => p.precision >= minPrecision)) return curve[i] as CurvePoint;
  }
  return null;
}
