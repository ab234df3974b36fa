// Dedup stage throughput as a share of raw embedding throughput: the deduper deciding 64 records in flight
// (exact hash, micro-batched embedding, HNSW query and insert, in call order) against embed() in batches of 32;
// then the stage handler itself, and with `--kafka` the stage writing its changelog to a real broker
// (every kept entry acknowledged before the record's handle() resolves).
// Run: npx tsx bench/dedup-stage.ts [--kafka]   (--kafka starts scripts/kafka.sh up on $KAFKA_PORT, default 19092)
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import {
  childRecordId,
  DEFAULT_CONFIG,
  mergeDeep,
  seedRecordId,
  type Config,
  type EvolRecord,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { createDeduper, createEmbedder, pullModel, readStsPairs, type Embedder } from '@evolflow/dedup';
import { createDedupStage } from '@evolflow/stage-dedup';
import { createKafkaTransport, stateLogsOf, type Transport } from '@evolflow/transport';
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

// The stage handler: what runStage calls, 64 in flight; with a transport, its changelog is on.
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const config: Config = mergeDeep(structuredClone(DEFAULT_CONFIG), { dedup: { mode: 'semantic', modelDir }, run: { rounds: 1 } });
const records: EvolRecord[] = texts.map((text, i) => {
  const seedId = seedRecordId('bench', i + 1, `seed ${i}`);
  const id = childRecordId(seedId, 1);
  return {
    id,
    seedId,
    parentId: seedId,
    round: 1,
    instruction: text,
    lineage: [],
    checks: [],
    usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
  };
});
async function stageRate(e: Embedder, transport: Transport | null): Promise<number> {
  const env: StageEnv = {
    config,
    logger: quiet,
    llm: undefined as never,
    cwd: ROOT,
    outDir: ROOT,
    ...(transport ? stateLogsOf(transport) : {}),
  };
  const handler = await createDedupStage(
    env,
    await createDeduper({ mode: 'semantic', threshold: config.dedup.threshold, modelDir, embedder: e, batchSize: 32 }),
  );
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < records.length) await handler.handle(records[next++] as EvolRecord, undefined, 'accepted');
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const rate = records.length / ((performance.now() - t0) / 1000);
  // Not closed: its close() would close the embedder the next rounds share.
  return rate;
}
const handlerRates: number[] = [];
for (let r = 0; r < rounds; r++) handlerRates.push(await stageRate(embedder, null));
let kafka: { records: number; recordsPerSecond: number[] } | null = null;
if (process.argv.includes('--kafka')) {
  const port = process.env.KAFKA_PORT ?? '19092';
  const brokers = execFileSync('bash', [`${ROOT}/scripts/kafka.sh`, 'up', '--port', port], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop() as string;
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const transport = await createKafkaTransport({
      brokers: [brokers],
      prefix: `bench.dedup.${Date.now().toString(36)}.`,
      partitions: 3,
      logger: quiet,
    });
    rates.push(await stageRate(embedder, transport));
    await transport.close();
  }
  kafka = { records: records.length, recordsPerSecond: rates.map(Math.round) };
}
await embedder.close();
const best = (xs: number[]) => Math.round(Math.max(...xs));
writeResults('dedup-stage', {
  records: texts.length,
  variant,
  inFlight: 64,
  batchSize: 32,
  rawEmbeddingsPerSecond: best(raw),
  dedupRecordsPerSecond: best(stage),
  shareOfRaw: Number((best(stage) / best(raw)).toFixed(3)),
  perRound: { raw: raw.map(Math.round), stage: stage.map(Math.round) },
  droppedPerRound: dropped / rounds,
  stageHandler: {
    recordsPerSecond: best(handlerRates),
    shareOfRaw: Number((best(handlerRates) / best(raw)).toFixed(3)),
    perRound: handlerRates.map(Math.round),
  },
  ...(kafka
    ? {
        stageHandlerKafkaChangelog: {
          recordsPerSecond: best(kafka.recordsPerSecond),
          shareOfRaw: Number((best(kafka.recordsPerSecond) / best(raw)).toFixed(3)),
          perRound: kafka.recordsPerSecond,
        },
      }
    : {}),
  target: 'dedup stage >= 90% of raw embedding throughput',
  loadAverage1m: { before: loadBefore, after: loadavg()[0] },
});
