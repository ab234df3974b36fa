// Dedup stage throughput as a share of raw embedding throughput: the deduper deciding 64 records in flight
// (exact hash, micro-batched embedding, HNSW query and insert, in call order) against embed() in batches of 32.
// Run: npx tsx bench/dedup-stage.ts
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { createDeduper, createEmbedder, pullModel, readStsPairs } from '@evolflow/dedup';
import { ROOT, writeResults } from './support.ts';

const modelDir = resolve(ROOT, DEFAULT_CONFIG.dedup.modelDir);
await pullModel({ modelDir, sources: ['maven'] });
const all = readStsPairs(resolve(ROOT, '../shared/data/paraphrase/stsb-sts-dev.csv')).flatMap((p) => [p.a, p.b]);
const texts = [...new Set(all)].slice(0, 2048);
const variant = DEFAULT_CONFIG.dedup.variant;
const embedder = await createEmbedder({ modelDir, variant, batchSize: 32 });
await embedder.embed(texts.slice(0, 64));
const loadBefore = loadavg()[0];

const rounds = 3;
const raw: number[] = [];
const stage: number[] = [];
let dropped = 0;
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let i = 0; i < texts.length; i += 32) await embedder.embed(texts.slice(i, i + 32));
  raw.push(texts.length / ((performance.now() - t0) / 1000));

  const deduper = await createDeduper({ mode: 'semantic', threshold: DEFAULT_CONFIG.dedup.threshold, modelDir, embedder, batchSize: 32 });
  t0 = performance.now();
  let next = 0;
  // 64 decisions in flight, as runStage keeps them (a new one starts when one finishes).
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      if ((await deduper.decide(`r${i}`, texts[i] as string)).duplicate) dropped += 1;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  stage.push(texts.length / ((performance.now() - t0) / 1000));
  await deduper.close();
}
await embedder.close();
const best = (xs: number[]) => Math.round(Math.max(...xs));
writeResults('dedup-stage', {
  records: texts.length, variant, inFlight: 64, batchSize: 32,
  rawEmbeddingsPerSecond: best(raw),
  dedupRecordsPerSecond: best(stage),
  shareOfRaw: Number((best(stage) / best(raw)).toFixed(3)),
  perRound: { raw: raw.map(Math.round), stage: stage.map(Math.round) },
  droppedPerRound: dropped / rounds,
  target: 'dedup stage >= 90% of raw embedding throughput',
  loadAverage1m: { before: loadBefore, after: loadavg()[0] },
});
