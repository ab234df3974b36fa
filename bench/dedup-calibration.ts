// Dedup threshold calibration on STS-B dev (score >= 4 = same meaning): precision-recall curve per model
// variant, the threshold chosen for precision >= 0.9, and how far quantized similarities drift from fp32.
// Run: npx tsx bench/dedup-calibration.ts   (needs `evolflow models pull --variant fp32`; int8 via scripts/quantize-int8.py)
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { chooseThreshold, createEmbedder, evaluateAt, modelPath, precisionRecallCurve, pullModel, readStsPairs, VARIANT_FILES, type EmbedderVariant } from '@evolflow/dedup';
import { ROOT, writeResults } from './support.ts';

const STS = resolve(ROOT, '../shared/data/paraphrase/stsb-sts-dev.csv');
const modelDir = resolve(ROOT, DEFAULT_CONFIG.dedup.modelDir);
await pullModel({ modelDir, variants: ['quantized', 'fp32'], sources: ['maven'] });
const pairs = readStsPairs(STS);
const labels = pairs.map((p) => p.same);
const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);

const sims: Partial<Record<EmbedderVariant, number[]>> = {};
const variants: Record<string, unknown> = {};
for (const variant of ['fp32', 'quantized', 'int8'] as const) {
  if (!existsSync(join(modelPath(modelDir, 'all-MiniLM-L6-v2'), 'onnx', VARIANT_FILES[variant]))) continue;
  const embedder = await createEmbedder({ modelDir, variant });
  const t0 = performance.now();
  const vectors = await embedder.embed(pairs.flatMap((p) => [p.a, p.b]));
  const seconds = (performance.now() - t0) / 1000;
  await embedder.close();
  const s = pairs.map((_, i) => dot(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array));
  sims[variant] = s;
  const curve = precisionRecallCurve(s, labels);
  const chosen = chooseThreshold(curve, 0.9);
  const bestF1 = curve.reduce((a, b) => (b.f1 > a.f1 ? b : a));
  variants[variant] = {
    embeddingsPerSecond: Math.round(vectors.length / seconds),
    atConfigDefault: evaluateAt(s, labels, DEFAULT_CONFIG.dedup.threshold),
    chosenForPrecision90: chosen,
    bestF1,
    curve,
  };
  console.log(`${variant}: default ${DEFAULT_CONFIG.dedup.threshold} -> ${JSON.stringify(evaluateAt(s, labels, DEFAULT_CONFIG.dedup.threshold))}; precision>=0.9 from ${JSON.stringify(chosen)}; best F1 ${JSON.stringify(bestF1)}`);
}
const drift: Record<string, unknown> = {};
for (const variant of ['quantized', 'int8'] as const) {
  const a = sims[variant];
  const b = sims.fp32;
  if (!a || !b) continue;
  const d = a.map((x, i) => Math.abs(x - (b[i] as number))).sort((x, y) => x - y);
  drift[variant] = {
    meanAbs: d.reduce((x, y) => x + y, 0) / d.length,
    p95Abs: d[Math.floor(0.95 * d.length)],
    maxAbs: d[d.length - 1],
    shareWithin002: d.filter((x) => x <= 0.02).length / d.length,
  };
}
writeResults('dedup-calibration', {
  data: 'STS-B dev, 1,500 pairs, score >= 4 = same meaning',
  positives: labels.filter(Boolean).length,
  configDefaultThreshold: DEFAULT_CONFIG.dedup.threshold,
  loadAverage: loadavg(),
  driftFromFp32: drift,
  variants,
});
