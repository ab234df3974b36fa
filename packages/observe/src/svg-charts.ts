// Small SVG chart builders for the report: bars (grouped or stacked), box plots, lines. Output is
// a self-contained <svg> string; every data mark has class "mark" and a <title> tooltip, and the
// caller learns how many marks carry data (the report test checks each chart has some).
import type { Distribution } from './report-data.ts';

export interface Chart {
  svg: string;
  /** Marks drawn for non-empty data. */
  points: number;
}

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const W = 680;
const H = 300;
const M = { l: 60, r: 16, t: 14, b: 52 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round upper bound for an axis (1, 2, 2.5, 5 times a power of ten). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1);

function frame(body: string, [yMin, yMax]: readonly [number, number], labels: { x: string; y: string }): string {
  const ticks = 5;
  let axis = '';
  for (let i = 0; i <= ticks; i++) {
    const v = yMin + ((yMax - yMin) * i) / ticks;
    const y = M.t + PH - (PH * i) / ticks;
    axis += `<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}"/><text class="tick" x="${M.l - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`;
  }
  axis += `<line class="axis" x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${M.t + PH}"/><line class="axis" x1="${M.l}" x2="${W - M.r}" y1="${M.t + PH}" y2="${M.t + PH}"/>`;
  axis += `<text class="label" x="${M.l + PW / 2}" y="${H - 6}" text-anchor="middle">${esc(labels.x)}</text>`;
  axis += `<text class="label" transform="translate(14 ${M.t + PH / 2}) rotate(-90)" text-anchor="middle">${esc(labels.y)}</text>`;
  return `<svg viewBox="0 0 ${W} ${H}" role="img" xmlns="http://www.w3.org/2000/svg">${axis}${body}</svg>`;
}

function xLabels(categories: readonly string[], band: number): string {
  const every = Math.ceil(categories.length / 16);
  return categories
    .map((c, i) =>
      i % every === 0
        ? `<text class="tick" x="${M.l + band * (i + 0.5)}" y="${M.t + PH + 16}" text-anchor="middle">${esc(c.length > 18 ? `${c.slice(0, 17)}…` : c)}</text>`
        : '',
    )
    .join('');
}

export interface BarSeries {
  name: string;
  values: readonly number[];
  color?: string;
}

/** Bars per category, one per series side by side, or stacked. */
export function barChart(options: {
  categories: readonly string[];
  series: readonly BarSeries[];
  stacked?: boolean;
  xLabel: string;
  yLabel: string;
}): Chart {
  const { categories, series } = options;
  const totals = categories.map((_, i) =>
    options.stacked ? series.reduce((a, s) => a + (s.values[i] ?? 0), 0) : Math.max(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const yMax = niceMax(Math.max(0, ...totals));
  const band = PW / Math.max(1, categories.length);
  const y = (v: number) => M.t + PH - (PH * v) / yMax;
  let body = '';
  let points = 0;
  categories.forEach((cat, i) => {
    let base = 0;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return;
      points++;
      const color = s.color ?? PALETTE[j % PALETTE.length];
      const title = `<title>${esc(`${cat} · ${s.name}: ${fmt(v)}`)}</title>`;
      if (options.stacked) {
        const top = y(base + v);
        body += `<rect class="mark" x="${(M.l + band * i + band * 0.15).toFixed(1)}" y="${top.toFixed(1)}" width="${(band * 0.7).toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${color}">${title}</rect>`;
        base += v;
      } else {
        const w = (band * 0.8) / series.length;
        body += `<rect class="mark" x="${(M.l + band * i + band * 0.1 + w * j).toFixed(1)}" y="${y(v).toFixed(1)}" width="${w.toFixed(1)}" height="${(M.t + PH - y(v)).toFixed(1)}" fill="${color}">${title}</rect>`;
      }
    });
  });
  return { svg: frame(body + xLabels(categories, band), [0, yMax], { x: options.xLabel, y: options.yLabel }), points };
}

/** One box (quartiles, whiskers at min and max, a dot at the mean) per group; optional reference lines. */
export function boxPlot(options: {
  groups: readonly { label: string; dist: Distribution }[];
  xLabel: string;
  yLabel: string;
  refLines?: readonly { value: number; label: string }[];
  yMin?: number;
  yMax?: number;
}): Chart {
  const { groups } = options;
  const yMin = options.yMin ?? 0;
  // Reference lines widen the axis only when they sit near the data (a far cap would flatten the boxes).
  const top = Math.max(1, ...groups.map((g) => g.dist.max));
  const near = (options.refLines ?? []).map((r) => r.value).filter((v) => v <= top * 1.5);
  const yMax = options.yMax ?? niceMax(Math.max(top, ...near) * 1.05);
  const band = PW / Math.max(1, groups.length);
  const y = (v: number) => M.t + PH - (PH * (Math.min(v, yMax) - yMin)) / (yMax - yMin);
  let body = '';
  let points = 0;
  groups.forEach((g, i) => {
    const d = g.dist;
    if (d.n === 0) return;
    points++;
    const cx = M.l + band * (i + 0.5);
    const w = Math.min(60, band * 0.5);
    const color = PALETTE[0] as string;
    const title = `<title>${esc(`${g.label}: n=${d.n}, min ${fmt(d.min)}, q1 ${fmt(d.q1)}, median ${fmt(d.median)}, q3 ${fmt(d.q3)}, max ${fmt(d.max)}, mean ${fmt(d.mean)}`)}</title>`;
    body += `<g class="mark">${title}<line class="whisker" x1="${cx}" x2="${cx}" y1="${y(d.min).toFixed(1)}" y2="${y(d.max).toFixed(1)}"/>`;
    body += `<rect x="${(cx - w / 2).toFixed(1)}" y="${y(d.q3).toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(1, y(d.q1) - y(d.q3)).toFixed(1)}" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`;
    body += `<line class="median" x1="${(cx - w / 2).toFixed(1)}" x2="${(cx + w / 2).toFixed(1)}" y1="${y(d.median).toFixed(1)}" y2="${y(d.median).toFixed(1)}"/>`;
    body += `<circle cx="${cx}" cy="${y(d.mean).toFixed(1)}" r="3" fill="${PALETTE[1]}"/></g>`;
  });
  for (const r of options.refLines ?? []) {
    if (r.value > yMax) continue;
    body += `<line class="ref" x1="${M.l}" x2="${W - M.r}" y1="${y(r.value)}" y2="${y(r.value)}"/><text class="ref-label" x="${W - M.r - 4}" y="${y(r.value) - 4}" text-anchor="end">${esc(r.label)}</text>`;
  }
  return {
    svg: frame(
      body +
        xLabels(
          groups.map((g) => g.label),
          band,
        ),
      [yMin, yMax],
      { x: options.xLabel, y: options.yLabel },
    ),
    points,
  };
}

/** Lines over a numeric x axis (seconds since start). */
export function lineChart(options: { xs: readonly number[]; series: readonly BarSeries[]; xLabel: string; yLabel: string }): Chart {
  const { xs, series } = options;
  const xMax = Math.max(1e-9, ...xs);
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (v: number) => M.l + (PW * v) / xMax;
  const y = (v: number) => M.t + PH - (PH * v) / yMax;
  let body = '';
  let points = 0;
  series.forEach((s, j) => {
    if (!s.values.some((v) => v > 0)) return;
    points += s.values.length;
    const color = s.color ?? PALETTE[j % PALETTE.length];
    const d = s.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(xs[i] ?? 0).toFixed(1)},${y(v).toFixed(1)}`).join('');
    body += `<path class="mark line" d="${d}" stroke="${color}"><title>${esc(`${s.name}: peak ${fmt(Math.max(...s.values))}/s`)}</title></path>`;
  });
  let ticks = '';
  for (let i = 0; i <= 5; i++) {
    const v = (xMax * i) / 5;
    ticks += `<text class="tick" x="${x(v).toFixed(1)}" y="${M.t + PH + 16}" text-anchor="middle">${fmt(Math.round(v * 10) / 10)}</text>`;
  }
  return { svg: frame(body + ticks, [0, yMax], { x: options.xLabel, y: options.yLabel }), points };
}

/** Counts of values in `bins` equal bins over [lo, hi]. */
export function binned(values: readonly number[], bins: number, [lo, hi]: readonly [number, number]): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
    out[i] = (out[i] ?? 0) + 1;
  }
  return out;
}
