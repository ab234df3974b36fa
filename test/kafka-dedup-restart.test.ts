// Issue 5's restart over a real broker: the dedup stage (real model, semantic mode) keeps 1,000
// records arriving on Kafka, stops, and a new stage with an empty index rebuilds itself from the
// compacted `<prefix>dedup-changelog` alone; 1,000 more records, including 500 repeats of the
// first batch, are then decided exactly as by a stage that never stopped.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, mergeDeep, recordProblems, type Config, type EvolRecord, type StageEnv, type TopicName } from '@evolflow/core';
import { createDeduper, createEmbedder, decodeKeptEntry, deduperOptionsFromConfig, pullModel, type Embedder } from '@evolflow/dedup';
import { createDedupStage, type DedupStage } from '@evolflow/stage-dedup';
import { restartBatches } from '@evolflow/stage-dedup/testing';
import { stsbDevPath } from '@evolflow/testdata';
import { createKafkaTransport, runStage, stateLogsOf, type KafkaTransport, type Subscription } from '@evolflow/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBroker, kcat, quietLogger, uniquePrefix, waitFor } from './helpers/kafka.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL_DIR = resolve(ROOT, process.env.EVOLFLOW_DEDUP__MODEL_DIR ?? DEFAULT_CONFIG.dedup.modelDir);
const STS = stsbDevPath;
const { first, second } = restartBatches(STS);

// One partition: records reach the stage in the order they were published, so keep-first picks
// the same record of a near-duplicate pair as the reference fed in that order.
const config: Config = mergeDeep(structuredClone(DEFAULT_CONFIG), { dedup: { mode: 'semantic', modelDir: MODEL_DIR }, run: { rounds: 1 } });
let brokers = '';
let embedder: Embedder;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  brokers = await kafkaBroker();
  await pullModel({ modelDir: MODEL_DIR, sources: ['maven'] });
  embedder = await createEmbedder({ modelDir: MODEL_DIR });
}, 300_000);
afterAll(async () => {
  for (const o of open.reverse()) await o.close().catch(() => undefined);
  await embedder?.close();
});

async function transportFor(prefix: string): Promise<KafkaTransport> {
  const t = await createKafkaTransport({
    brokers: [brokers],
    prefix,
    groupPrefix: prefix,
    partitions: 1,
    sessionTimeoutMs: 6000,
    logger: quietLogger,
  });
  open.push(t);
  return t;
}
const envFor = (transport: KafkaTransport | null): StageEnv => ({
  config,
  logger: quietLogger,
  llm: undefined as never,
  cwd: ROOT,
  outDir: ROOT,
  ...(transport ? stateLogsOf(transport) : {}),
});
const stageWith = async (transport: KafkaTransport | null): Promise<DedupStage> =>
  createDedupStage(envFor(transport), await createDeduper(deduperOptionsFromConfig(config.dedup, { embedder })));

/** The topic every record ended on (unique or rejected), read back by a group of our own. */
async function collect(transport: KafkaTransport, into: Map<string, TopicName>): Promise<Subscription> {
  return transport.subscribe({
    group: `${transport.prefix}collector`,
    topics: ['unique', 'rejected'],
    concurrency: 64,
    handler: async (d) => void into.set(d.record.id, d.topic),
  });
}

describe('dedup stage restart over Kafka', () => {
  it('rebuilds its index from the changelog and drops every repeat of the first batch, as without a restart', async () => {
    [...first, ...second].forEach((r) => expect(recordProblems(r)).toEqual([]));
    // The run without a restart: the same stage handler, fed in publish order.
    const reference = await stageWith(null);
    const expected = new Map<string, TopicName>();
    for (const r of [...first, ...second]) expected.set(r.id, (await reference.handle(r, undefined, 'accepted'))[0]?.topic as TopicName);
    await reference.close();
    const keptFirst = first.filter((r) => expected.get(r.id) === 'unique').length;

    const prefix = uniquePrefix('dedup-restart');
    const outcomes = new Map<string, TopicName>();
    const t1 = await transportFor(prefix);
    const collector = await collect(t1, outcomes);
    const before = await stageWith(t1);
    expect(before.changelog?.restored).toBe(0);
    const running = await runStage({
      handler: before,
      ctx: undefined,
      transport: t1,
      logger: quietLogger,
      groupPrefix: prefix,
      concurrency: 64,
    });
    await t1.publish('accepted', first);
    await waitFor('the first 1,000 decisions', () => outcomes.size === first.length, { timeoutMs: 240_000 });
    await running.stop();
    await before.close();
    await collector.stop();
    await t1.close();
    open.splice(open.indexOf(t1), 1);
    for (const r of first) expect(outcomes.get(r.id), r.id).toBe(expected.get(r.id));

    // The changelog holds every kept entry, with its vector, keyed by record id (kcat reads it too).
    const t2 = await transportFor(prefix);
    const keys = (await kcat(brokers, ['-C', '-t', t2.topicName('dedup-changelog'), '-e', '-q', '-f', '%k\n'])).trim().split('\n');
    expect(new Set(keys).size).toBe(keptFirst);
    let vectors = 0;
    await t2
      .stateLog('dedup-changelog')
      .read((e) => void (decodeKeptEntry(e.value, e.where).vector?.length === embedder.dimension && vectors++));
    expect(vectors).toBe(keptFirst);

    // The restarted stage: an empty index, rebuilt from the changelog alone (no snapshot folder).
    const after = await stageWith(t2);
    expect(after.changelog?.restored).toBe(keptFirst);
    expect(after.deduper.size()).toBe(keptFirst);
    const collector2 = await collect(t2, outcomes);
    const running2 = await runStage({
      handler: after,
      ctx: undefined,
      transport: t2,
      logger: quietLogger,
      groupPrefix: prefix,
      concurrency: 64,
    });
    await t2.publish('accepted', second);
    await waitFor('the second 1,000 decisions', () => outcomes.size === first.length + second.length, { timeoutMs: 240_000 });
    await running2.stop();
    await collector2.stop();
    await after.close();

    second.forEach((r, i) => i % 2 === 0 && expect(outcomes.get(r.id), `repeat ${r.id}`).toBe('rejected'));
    for (const r of second) expect(outcomes.get(r.id), r.id).toBe(expected.get(r.id));
    const count = (ids: EvolRecord[], topic: TopicName) => ids.filter((r) => outcomes.get(r.id) === topic).length;
    const countExpected = (ids: EvolRecord[], topic: TopicName) => ids.filter((r) => expected.get(r.id) === topic).length;
    expect([count(second, 'unique'), count(second, 'rejected')]).toEqual([
      countExpected(second, 'unique'),
      countExpected(second, 'rejected'),
    ]);
    console.log(
      `dedup restart over Kafka: first batch kept ${keptFirst}, second batch kept ${count(second, 'unique')} and dropped ${count(second, 'rejected')} (all 500 repeats among them); changelog entries ${keys.length}`,
    );
  }, 600_000);
});
