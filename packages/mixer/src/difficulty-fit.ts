// Fitting and measuring the offline difficulty estimator: a linear pairwise ranking model (logistic
// loss on every pair of items whose labels differ, L2 penalty, optional sign constraints) over the
// standardised features of `difficulty-features.ts`, and Spearman's rank correlation with ties.
// bench/difficulty.ts fits it on one labelled set and measures it on others.
import { FEATURE_NAMES, featureVector, type FeatureName } from './difficulty-features.ts';

/** One labelled instruction: a higher label is harder. */
export interface LabelledInstruction {
  text: string;
  label: number;
  /** Domain or section, for per-domain figures. */
  domain?: string;
  /** Labelled set the item comes from: labels are compared only within one set (their scales differ). */
  set?: string;
}

/**
 * A fitted model: score = sum over features of weight * (value - mean) / scale. `center` and
 * `spread` are the mean and standard deviation of the scores on the fitting data, which put a score
 * on the 1-10 scale (`estimateDifficulty`).
 */
export interface DifficultyModel {
  features: readonly FeatureName[];
  mean: readonly number[];
  scale: readonly number[];
  weights: readonly number[];
  center: number;
  spread: number;
}

export interface FitOptions {
  /** L2 penalty on the weights (default 0.01). */
  l2?: number;
  /** Full-batch gradient steps (default 400). */
  steps?: number;
  /** Step size (default 0.5). */
  rate?: number;
  /** Features whose weight must be >= 0 (1) or <= 0 (-1): a demand never makes an item easier. */
  signs?: Partial<Record<FeatureName, 1 | -1>>;
  /** Fit only these features (the others keep weight 0); default all. */
  only?: readonly FeatureName[];
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Standardisation of the feature matrix: mean and scale (standard deviation, 1 when constant). */
function standardise(rows: number[][]): { mean: number[]; scale: number[] } {
  const k = FEATURE_NAMES.length;
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((s, r) => s + (r[j] as number), 0) / Math.max(1, rows.length));
  const scale = mean.map((m, j) => {
    const sd = Math.sqrt(rows.reduce((s, r) => s + ((r[j] as number) - m) ** 2, 0) / Math.max(1, rows.length));
    return sd > 1e-9 ? sd : 1;
  });
  return { mean, scale };
}

/** The raw feature values of one instruction, in `FEATURE_NAMES` order. */
export function featureRow(text: string): number[] {
  const f = featureVector(text);
  return FEATURE_NAMES.map((n) => f[n]);
}

/** The model's linear score of a feature row (unbounded; higher is harder). */
export function scoreRow(model: DifficultyModel, row: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < model.weights.length; j++)
    s += (model.weights[j] as number) * (((row[j] as number) - (model.mean[j] as number)) / (model.scale[j] as number));
  return s;
}

/**
 * Fit the ranking model on labelled instructions: minimise the mean logistic loss of
 * `score(harder) - score(easier)` over all pairs with different labels, plus `l2 * |w|^2`, by
 * projected gradient descent (weights with a sign constraint are clipped at 0). Deterministic.
 */
export function fitDifficultyModel(items: readonly LabelledInstruction[], options: FitOptions = {}): DifficultyModel {
  const { l2 = 0.01, steps = 400, rate = 0.5, signs = {}, only } = options;
  const rows = items.map((i) => featureRow(i.text));
  const { mean, scale } = standardise(rows);
  const z = rows.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (scale[j] as number)));
  const k = FEATURE_NAMES.length;
  // Pairs (harder, easier) of one set, as the difference of their standardised rows.
  const diffs: number[][] = [];
  for (let a = 0; a < items.length; a++) {
    for (let b = 0; b < items.length; b++) {
      const [x, y] = [items[a] as LabelledInstruction, items[b] as LabelledInstruction];
      if (x.set === y.set && x.label > y.label) diffs.push((z[a] as number[]).map((v, j) => v - ((z[b] as number[])[j] as number)));
    }
  }
  const w = new Array<number>(k).fill(0);
  if (diffs.length === 0) return { features: FEATURE_NAMES, mean, scale, weights: w, center: 0, spread: 1 };
  for (let step = 0; step < steps; step++) {
    const grad = w.map((v) => 2 * l2 * v);
    for (const d of diffs) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (w[j] as number) * (d[j] as number);
      const g = -sigmoid(-s) / diffs.length;
      for (let j = 0; j < k; j++) grad[j] = (grad[j] as number) + g * (d[j] as number);
    }
    for (let j = 0; j < k; j++) {
      let v = (w[j] as number) - rate * (grad[j] as number);
      const name = FEATURE_NAMES[j] as FeatureName;
      const sign = signs[name];
      if (only && !only.includes(name)) v = 0;
      if (sign === 1 && v < 0) v = 0;
      if (sign === -1 && v > 0) v = 0;
      w[j] = v;
    }
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const model = { features: FEATURE_NAMES, mean: mean.map(round), scale: scale.map(round), weights: w.map(round) };
  const scores = rows.map((r) => scoreRow({ ...model, center: 0, spread: 1 }, r));
  const center = scores.reduce((a, b) => a + b, 0) / scores.length;
  const spread = Math.sqrt(scores.reduce((a, b) => a + (b - center) ** 2, 0) / scores.length);
  return { ...model, center: round(center), spread: round(spread > 1e-9 ? spread : 1) };
}

/** Ranks from 1, ties sharing their average rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length).fill(0);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    for (let t = i; t <= j; t++) out[(order[t] as readonly [number, number])[1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson on average ranks, so ties count as ties); 0 when either side is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} values against ${b.length}`);
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = (ra[i] as number) - ma;
    const y = (rb[i] as number) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}
