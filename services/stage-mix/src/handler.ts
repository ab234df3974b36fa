// The mix stage: consumes `unique` (evolved records) and `replay` (original seeds), drops evolved
// records that copy an evaluation item, blends seeds into curriculum batches, publishes them to
// `curriculum`, and writes what trainers read: shards + manifest, dataset.jsonl, Parquet,
// dataset_info.json and the dataset card.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EvolflowError, type Config, type Emit, type EvolRecord, type Logger, type StageHandler, type TopicName } from '@evolflow/core';
import {
  createNgramDecontaminator, createShardWriter, createStreamMixer, datasetCard, detectSeedLicenses, estimateDifficulty, loadEvalSets,
  MANIFEST_FILE, planBatches, summarize, writeDatasetFiles, writeFileAtomic,
  type Batch, type BatchOptions, type Decontaminator, type ShardWriter, type StreamMixer,
} from '@evolflow/mixer';
import { openJournal, type Journal, type JournalEvent } from './journal.ts';
import { embeddingDecontaminator } from './embedding.ts';

export interface MixStageOptions {
  config: Readonly<Config>;
  /** The run's output folder: the dataset, shards, manifest and card go here. */
  outDir: string;
  logger?: Logger;
  /** Fills `scores.estimate` when a record has none (default: `estimateDifficulty`). */
  estimator?: (instruction: string, options: { round: number }) => number;
  /** Use this decontaminator instead of the one `config.mix.decontaminate` describes (null: none). */
  decontaminator?: Decontaminator | null;
  /** Folder the evaluation set paths are relative to (default: the process's working folder). */
  cwd?: string;
  /** Clock for the continuous-mode interval (tests pass a fake one). */
  now?: () => number;
}

/** Counts of what the stage took in (survive a restart: they are rebuilt from the journal). */
export interface MixStageStats {
  evolved: number;
  seeds: number;
  contaminated: number;
  withoutResponse: number;
  /** Batches emitted so far (continuous mode; the finite plan's count after flush). */
  batches: number;
  /** Deliveries of a record the mixer already held (redelivery after a restart). */
  redelivered: number;
}

export interface MixStage extends StageHandler<unknown> {
  name: 'mix';
  /** Continuous mode: cut a partial batch if the interval has passed (call it from a timer). */
  tick(): Promise<Emit[]>;
  readonly stats: Readonly<MixStageStats>;
  /** Stop: close the journal and the decontaminator. Unflushed input stays in the journal for a restart. */
  close(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The batch options of a config. */
export function batchOptionsOf(config: Readonly<Config>): BatchOptions {
  const m = config.mix;
  return { replayShare: m.replayShare, replayCount: m.replayCount, batchSize: m.batchSize, order: m.order, stratify: m.stratify, seed: config.run.seed };
}

async function configuredDecontaminator(options: MixStageOptions, logger: Logger): Promise<Decontaminator | null> {
  if (options.decontaminator !== undefined) return options.decontaminator;
  const d = options.config.mix.decontaminate;
  if (d.sets.length === 0) return null;
  const items = loadEvalSets(d.sets.map((f) => resolve(options.cwd ?? process.cwd(), f)));
  if (options.config.dedup.mode === 'semantic') {
    const embedded = await embeddingDecontaminator(items, options.config, logger);
    if (embedded) return embedded;
  }
  return createNgramDecontaminator({ items, threshold: d.threshold, ngram: d.ngram });
}

const curriculumEmits = (batches: readonly Batch[]): Emit[] => batches.flatMap((b) => b.records.map((record): Emit => ({ topic: 'curriculum', record })));

/**
 * Build the mix stage. Finite mode (default): records are held (and journalled) and `flush()` plans
 * every batch from the whole set, so the dataset does not depend on arrival order. Continuous mode
 * (`mix.continuous`): batches leave as they fill, or when `mix.intervalMs` has passed.
 */
export async function createMixStage(options: MixStageOptions): Promise<MixStage> {
  const { config } = options;
  const logger = options.logger ?? silent;
  const outDir = resolve(options.outDir);
  const now = options.now ?? Date.now;
  const estimate = options.estimator ?? ((text: string, o: { round: number }) => estimateDifficulty(text, o));
  const batchOptions = batchOptionsOf(config);
  const mix = config.mix;
  const format = config.run.format;
  const decontaminator = await configuredDecontaminator(options, logger);

  const journal: Journal = openJournal(outDir);
  if (journal.recovered.length === 0) {
    // A fresh run in this folder: shards of an earlier, finished run are not ours to continue.
    rmSync(join(outDir, 'shards'), { recursive: true, force: true });
    rmSync(join(outDir, MANIFEST_FILE), { force: true });
  }

  const evolved = new Map<string, EvolRecord>();
  const seeds = new Map<string, EvolRecord>();
  const contaminated = new Set<string>();
  const withoutResponse = new Set<string>();
  const stats: MixStageStats = { evolved: 0, seeds: 0, contaminated: 0, withoutResponse: 0, batches: 0, redelivered: 0 };
  const stream: StreamMixer | null = mix.continuous ? createStreamMixer(batchOptions) : null;
  let shards: ShardWriter | null = mix.continuous ? createShardWriter({ outDir, format, metadata: mix.metadata, shardRecords: mix.shardRecords }) : null;
  /** Continuous mode: the batches each input completed, to publish again if it is delivered again. */
  const triggered = new Map<string, Batch[]>();
  let lastBatchAt = now();
  let closed = false;
  let flushed = false;

  /** Apply one journalled event to the in-memory state; returns the batches it completed. */
  const apply = (event: JournalEvent): Batch[] => {
    let batches: Batch[] = [];
    switch (event.t) {
      case 'evolved':
        evolved.set(event.record.id, event.record);
        if (stream) batches = stream.addEvolved(event.record);
        break;
      case 'seed':
        seeds.set(event.record.id, event.record);
        if (stream) batches = stream.addSeed(event.record);
        break;
      case 'cut':
        if (stream) batches = stream.cut();
        break;
      case 'contaminated':
        contaminated.add(event.id);
        break;
      case 'no-response':
        withoutResponse.add(event.id);
        break;
    }
    for (const b of batches) shards?.add(b);
    stats.evolved = evolved.size;
    stats.seeds = seeds.size;
    stats.contaminated = contaminated.size;
    stats.withoutResponse = withoutResponse.size;
    stats.batches = stream?.tally.batches ?? 0;
    if (batches.length > 0) lastBatchAt = now();
    return batches;
  };

  const record = (event: JournalEvent): Batch[] => {
    journal.append(event);
    return apply(event);
  };

  for (const event of journal.recovered) {
    const batches = apply(event);
    if ((event.t === 'evolved' || event.t === 'seed') && batches.length > 0) triggered.set(event.record.id, batches);
  }
  if (journal.recovered.length > 0) logger.info(`mix: resumed from the journal in ${outDir}: ${stats.evolved} evolved, ${stats.seeds} seeds, ${stats.batches} batches already made`);

  const intervalDue = () => stream !== null && mix.intervalMs > 0 && stream.pending > 0 && now() - lastBatchAt >= mix.intervalMs;

  const handleOne = async (input: EvolRecord, from: TopicName): Promise<Emit[]> => {
    const isSeed = from === 'replay' || input.round === 0;
    if (evolved.has(input.id) || seeds.has(input.id)) {
      stats.redelivered++;
      return curriculumEmits(triggered.get(input.id) ?? []);
    }
    if (input.response === undefined || input.response.trim() === '') {
      if (!withoutResponse.has(input.id)) record({ t: 'no-response', id: input.id });
      logger.warn(`mix: record ${input.id} has no response to train on; left out of the dataset`, { recordId: input.id });
      return [];
    }
    if (!isSeed && decontaminator) {
      const verdict = await decontaminator.check(input.id, `${input.instruction}\n${input.input ?? ''}`);
      if (verdict.contaminated) {
        if (!contaminated.has(input.id)) record({ t: 'contaminated', id: input.id });
        const detail = `near-duplicate of evaluation item ${verdict.itemId ?? '?'} (score ${verdict.score}, ${decontaminator.method})`;
        const check = { stage: 'mix' as const, reason: 'contaminated', detail };
        return [{ topic: 'rejected', record: { ...input, checks: [...input.checks, check], rejection: { ...check } } }];
      }
    }
    const scored: EvolRecord = input.scores?.estimate !== undefined ? input : { ...input, scores: { ...input.scores, estimate: estimate(input.instruction, { round: input.round }) } };
    const batches = record(isSeed ? { t: 'seed', record: scored } : { t: 'evolved', record: scored });
    if (intervalDue()) batches.push(...record({ t: 'cut' }));
    if (batches.length > 0) triggered.set(scored.id, batches);
    return curriculumEmits(batches);
  };

  // One input at a time, in arrival order: the journal order is the order a restart replays.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T> | T): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  const finish = (): Emit[] => {
    let emits: Emit[] = [];
    let planned: Batch[];
    const evolvedList = [...evolved.values()];
    const seedList = [...seeds.values()];
    const plan = () => planBatches({ evolved: evolvedList, seeds: seedList, options: batchOptions });
    if (stream && shards) {
      emits = curriculumEmits(record({ t: 'cut' }));
      shards.finish();
      planned = plan();
    } else {
      planned = plan();
      shards = createShardWriter({ outDir, format, metadata: mix.metadata, shardRecords: mix.shardRecords });
      for (const b of planned) shards.add(b);
      shards.finish();
      emits = curriculumEmits(planned);
      stats.batches = planned.length;
    }
    const records = planned.flatMap((b) => b.records);
    const files = writeDatasetFiles(records, { outDir, format, metadata: mix.metadata, parquet: mix.parquet, datasetName: mix.datasetName });
    files.push(MANIFEST_FILE, ...shards.manifest.shards.map((s) => s.file));
    const summary = summarize(records, { seedsAvailable: seeds.size, contaminated: contaminated.size, withoutResponse: withoutResponse.size });
    const seedFiles = seedList.map((s) => s.source?.file).filter((f): f is string => f !== undefined).map((f) => (existsSync(f) ? f : resolve(options.cwd ?? process.cwd(), f)));
    const card = datasetCard({
      name: mix.datasetName, format, summary, replay: { share: mix.replayShare, count: mix.replayCount }, batchSize: mix.batchSize,
      order: mix.order, stratify: mix.stratify, seedLicense: mix.seedLicense, seedSources: detectSeedLicenses(seedFiles),
      decontamination: decontaminator ? { method: decontaminator.method, sets: mix.decontaminate.sets } : null,
      files: ['README.md', ...files],
    });
    writeFileAtomic(join(outDir, 'README.md'), card);
    writeFileAtomic(join(outDir, 'mix-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    journal.finish();
    logger.info(`mix: wrote ${records.length} records (${summary.replayed} replayed seeds, share ${summary.replayShare}) in ${planned.length} batches to ${outDir}`);
    return emits;
  };

  return {
    name: 'mix',
    handle(input, _ctx, from) {
      return serial(() => {
        if (closed || flushed) throw new EvolflowError('internal', `mix stage for ${outDir} got record ${input.id} after ${closed ? 'close()' : 'flush()'}; create a new stage for a new run`);
        return handleOne(input, from);
      });
    },
    flush() {
      return serial(() => {
        if (flushed) return [];
        flushed = true;
        return finish();
      });
    },
    tick() {
      return serial(() => (!flushed && !closed && intervalDue() ? curriculumEmits(record({ t: 'cut' })) : []));
    },
    stats,
    async close() {
      await serial(() => undefined);
      if (closed) return;
      closed = true;
      journal.close();
      await decontaminator?.close();
    },
  };
}
