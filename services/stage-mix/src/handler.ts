// The mix stage: consumes `unique` (evolved records) and `replay` (original seeds), drops every
// record that copies or paraphrases an evaluation item (seeds and evolved records alike, and the
// descendants of a contaminated seed), blends seeds into curriculum batches, publishes them to
// `curriculum`, and writes what trainers read: shards + manifest, dataset.jsonl, Parquet,
// dataset_info.json, the dataset card and contaminated.jsonl (every drop with the item it matched).
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  EvolflowError,
  type Config,
  type Emit,
  type EvolRecord,
  type Logger,
  type StageEnv,
  type StageHandler,
  type TopicName,
} from '@evolflow/core';
import {
  createDecontaminationSuite,
  createNgramDecontaminator,
  createShardWriter,
  createStreamMixer,
  datasetCard,
  detectSeedLicenses,
  estimateDifficulty,
  levelOf,
  loadEvalSets,
  MANIFEST_FILE,
  planBatches,
  summarize,
  writeDatasetFiles,
  writeFileAtomic,
  type Batch,
  type BatchOptions,
  type Decontaminator,
  type DecontaminationSuite,
  type ShardWriter,
  type StreamMixer,
} from '@evolflow/mixer';
import { openJournal, type ContaminationEntry, type Journal, type JournalEvent, type JournalSpan } from './journal.ts';
import { embeddingDecontaminator } from './embedding.ts';

export interface MixStageOptions {
  config: Readonly<Config>;
  /** The run's output folder: the dataset, shards, manifest and card go here. */
  outDir: string;
  logger?: Logger;
  /** Fills `scores.estimate` when a record has none (default: `estimateDifficulty`). */
  estimator?: (instruction: string, options: { round: number }) => number;
  /** Use these tests instead of the ones `config.mix.decontaminate` describes (null: none). */
  decontamination?: DecontaminationSuite | null;
  /** Folder the evaluation set paths are relative to (default: the process's working folder). */
  cwd?: string;
  /** Clock for the continuous-mode interval (tests pass a fake one). */
  now?: () => number;
}

/** Counts of what the stage took in (survive a restart: they are rebuilt from the journal). */
export interface MixStageStats {
  evolved: number;
  seeds: number;
  /** Records dropped as contaminated (seeds, evolved records and descendants of contaminated seeds). */
  contaminated: number;
  /** Of those, seeds. */
  contaminatedSeeds: number;
  withoutResponse: number;
  /** Of those, seeds. */
  withoutResponseSeeds: number;
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
  return {
    replayShare: m.replayShare,
    replayCount: m.replayCount,
    batchSize: m.batchSize,
    order: m.order,
    stratify: m.stratify,
    seed: config.run.seed,
  };
}

/** The tests `mix.decontaminate` names, each with its own threshold, whatever `dedup.mode` is. */
async function configuredDecontamination(options: MixStageOptions, logger: Logger): Promise<DecontaminationSuite | null> {
  if (options.decontamination !== undefined) return options.decontamination;
  const d = options.config.mix.decontaminate;
  if (d.sets.length === 0) return null;
  const cwd = options.cwd ?? process.cwd();
  const items = loadEvalSets(d.sets.map((f) => resolve(cwd, f)));
  const tests: Decontaminator[] = [];
  try {
    for (const test of d.tests) {
      if (test === 'ngram') tests.push(createNgramDecontaminator({ items, threshold: d.threshold, ngram: d.ngram }));
      else tests.push(await embeddingDecontaminator(items, options.config, { logger, cwd }));
    }
  } catch (err) {
    for (const t of tests) await t.close();
    throw err;
  }
  return createDecontaminationSuite(items, tests);
}

/** Every record dropped as contaminated, with the evaluation item it matched (one JSON line each, by id). */
export const CONTAMINATED_FILE = 'contaminated.jsonl';

const curriculumEmits = (batches: readonly Batch[]): Emit[] =>
  batches.flatMap((b) => b.records.map((record): Emit => ({ topic: 'curriculum', record })));

const NO_USAGE = Object.freeze({ promptTokens: 0, completionTokens: 0, calls: 0 });

/**
 * What the mixer holds of a kept record until it writes the batches: what the planner and the
 * summary read (id, seed, round, strategy, curriculum level); the full record stays in the journal.
 * Its level is the full record's `levelOf`, so batches plan exactly as from the full records.
 */
function stubOf(r: EvolRecord): EvolRecord {
  const stub: EvolRecord = {
    id: r.id,
    seedId: r.seedId,
    parentId: null,
    round: r.round,
    instruction: '',
    lineage: [],
    checks: [],
    usage: NO_USAGE,
    scores: { estimate: levelOf(r) },
  };
  if (r.strategy !== undefined) stub.strategy = r.strategy;
  return stub;
}

/** The mix stage as every stage is built: from the env (`createMixStage` takes test seams too). */
export const create = (env: StageEnv): Promise<MixStage> =>
  createMixStage({ config: env.config, outDir: env.outDir, logger: env.logger, cwd: env.cwd });

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
  const decontamination = await configuredDecontamination(options, logger);

  const journal: Journal = openJournal(outDir);
  if (journal.recovered.length === 0) {
    // A fresh run in this folder: shards of an earlier, finished run are not ours to continue.
    rmSync(join(outDir, 'shards'), { recursive: true, force: true });
    rmSync(join(outDir, MANIFEST_FILE), { force: true });
  }

  /** Kept records as stubs (`stubOf`); `spans` says where each full record lies in the journal. */
  const evolved = new Map<string, EvolRecord>();
  const seeds = new Map<string, EvolRecord>();
  const spans = new Map<string, JournalSpan>();
  /** The files the kept seeds came from (for the card's licences). */
  const seedFiles = new Set<string>();
  /** Every drop, by record id, with the evaluation item it matched. */
  const contaminated = new Map<string, ContaminationEntry>();
  /** Seeds found contaminated: their descendants are dropped too. */
  const contaminatedSeeds = new Map<string, ContaminationEntry>();
  /** Records without a response, by id: true for seeds. */
  const withoutResponse = new Map<string, boolean>();
  /** Seeds among `contaminated` and among `withoutResponse` (counted as they come: a count over the maps per event would be quadratic). */
  let contaminatedSeedRecords = 0;
  let withoutResponseSeedRecords = 0;
  const stats: MixStageStats = {
    evolved: 0,
    seeds: 0,
    contaminated: 0,
    contaminatedSeeds: 0,
    withoutResponse: 0,
    withoutResponseSeeds: 0,
    batches: 0,
    redelivered: 0,
  };
  const stream: StreamMixer | null = mix.continuous ? createStreamMixer(batchOptions) : null;
  let shards: ShardWriter | null = mix.continuous
    ? createShardWriter({ outDir, format, metadata: mix.metadata, shardRecords: mix.shardRecords })
    : null;
  /** Continuous mode: the batches (of stubs) each input completed, to publish again if it is delivered again. */
  const triggered = new Map<string, Batch[]>();
  let lastBatchAt = now();
  let closed = false;
  let flushed = false;

  /** A kept record read back from the journal, with the `batch` its stub was given. */
  const full = (stub: EvolRecord): EvolRecord => {
    const span = spans.get(stub.id);
    const event = span && journal.read(span);
    if (!event || (event.t !== 'evolved' && event.t !== 'seed') || event.record.id !== stub.id) {
      throw new EvolflowError(
        'internal',
        `mix: record ${stub.id} is not where the journal in ${outDir} had it; the mixer cannot write its batch`,
      );
    }
    return stub.batch ? { ...event.record, batch: stub.batch } : event.record;
  };
  const fullBatch = (b: Batch): Batch => ({ index: b.index, records: b.records.map(full) });
  /** Batches of stubs to full batches, each added to the shards (continuous mode). */
  const toShards = (batches: readonly Batch[]): Batch[] => {
    const out = batches.map(fullBatch);
    for (const b of out) shards?.add(b);
    return out;
  };

  /** Apply one journalled event (at `span`) to the in-memory state; returns the batches (of stubs) it completed. */
  const apply = (event: JournalEvent, span: JournalSpan): Batch[] => {
    let batches: Batch[] = [];
    switch (event.t) {
      case 'evolved': {
        const stub = stubOf(event.record);
        evolved.set(stub.id, stub);
        spans.set(stub.id, span);
        if (stream) batches = stream.addEvolved(stub);
        break;
      }
      case 'seed': {
        const stub = stubOf(event.record);
        seeds.set(stub.id, stub);
        spans.set(stub.id, span);
        if (event.record.source?.file !== undefined) seedFiles.add(event.record.source.file);
        if (stream) batches = stream.addSeed(stub);
        break;
      }
      case 'cut':
        if (stream) batches = stream.cut();
        break;
      case 'contaminated':
        if (!contaminated.has(event.id) && event.entry?.kind === 'seed') contaminatedSeedRecords++;
        // Journals of earlier versions carry the id only.
        contaminated.set(
          event.id,
          event.entry ?? {
            id: event.id,
            seedId: event.id,
            round: -1,
            kind: 'evolved',
            via: 'record',
            instruction: '',
            matches: [],
            scores: {},
          },
        );
        if (event.entry?.kind === 'seed') contaminatedSeeds.set(event.entry.seedId, event.entry);
        evolved.delete(event.id);
        break;
      case 'no-response':
        if (!withoutResponse.has(event.id) && event.seed === true) withoutResponseSeedRecords++;
        withoutResponse.set(event.id, event.seed ?? false);
        break;
    }
    stats.evolved = evolved.size;
    stats.seeds = seeds.size;
    stats.contaminated = contaminated.size;
    stats.contaminatedSeeds = contaminatedSeedRecords;
    stats.withoutResponse = withoutResponse.size;
    stats.withoutResponseSeeds = withoutResponseSeedRecords;
    stats.batches = stream?.tally.batches ?? 0;
    if (batches.length > 0) lastBatchAt = now();
    return batches;
  };

  const record = (event: JournalEvent): Batch[] => apply(event, journal.append(event));

  journal.recovered.forEach((event, i) => {
    const batches = apply(event, journal.recoveredSpans[i] as JournalSpan);
    toShards(batches);
    if ((event.t === 'evolved' || event.t === 'seed') && batches.length > 0) triggered.set(event.record.id, batches);
  });
  if (journal.recovered.length > 0)
    logger.info(
      `mix: resumed from the journal in ${outDir}: ${stats.evolved} evolved, ${stats.seeds} seeds, ${stats.batches} batches already made`,
    );

  const intervalDue = () => stream !== null && mix.intervalMs > 0 && stream.pending > 0 && now() - lastBatchAt >= mix.intervalMs;

  /** The rejected record of a drop, its detail naming the item and the test. */
  const rejectedEmit = (input: EvolRecord, entry: ContaminationEntry): Emit => {
    const m = entry.matches.map((x) => `${x.set}:${x.line} (${x.test} ${x.score} >= ${x.threshold})`).join(', ');
    const detail =
      entry.via === 'seed' ? `descendant of seed ${entry.seedId}, which matches evaluation item ${m}` : `matches evaluation item ${m}`;
    const check = { stage: 'mix' as const, reason: 'contaminated', detail };
    return { topic: 'rejected', record: { ...input, checks: [...input.checks, check], rejection: { ...check } } };
  };

  /** Drop as contaminated (journalled once), returning the rejected record to emit. */
  const drop = (input: EvolRecord, entry: ContaminationEntry): Emit[] => {
    if (!contaminated.has(input.id)) record({ t: 'contaminated', id: input.id, entry });
    return [rejectedEmit(input, entry)];
  };

  const handleOne = async (input: EvolRecord, from: TopicName): Promise<Emit[]> => {
    const isSeed = from === 'replay' || input.round === 0;
    if (evolved.has(input.id) || seeds.has(input.id)) {
      stats.redelivered++;
      return curriculumEmits((triggered.get(input.id) ?? []).map(fullBatch));
    }
    const known = contaminated.get(input.id);
    if (known) return [rejectedEmit(input, known)];
    if (decontamination) {
      // Everything that could reach the dataset is checked: replayed seeds as well as evolutions.
      const result = await decontamination.check(input.id, `${input.instruction}\n${input.input ?? ''}`);
      const base = {
        id: input.id,
        seedId: input.seedId,
        round: input.round,
        kind: isSeed ? 'seed' : 'evolved',
        instruction: input.instruction,
        scores: result.scores,
      } as const;
      if (result.contaminated) return drop(input, { ...base, via: 'record', matches: result.matches });
      const seedEntry = isSeed ? undefined : contaminatedSeeds.get(input.seedId);
      if (seedEntry) return drop(input, { ...base, via: 'seed', matches: seedEntry.matches });
    }
    if (input.response === undefined || input.response.trim() === '') {
      if (!withoutResponse.has(input.id)) record({ t: 'no-response', id: input.id, seed: isSeed });
      // Counted, and named once in the summary line at the end (a seed file without answers would be one warning per seed).
      logger.debug(`mix: record ${input.id} has no response to train on; left out of the dataset`, { recordId: input.id });
      return [];
    }
    const scored: EvolRecord =
      input.scores?.estimate !== undefined
        ? input
        : { ...input, scores: { ...input.scores, estimate: estimate(input.instruction, { round: input.round }) } };
    const batches = record(isSeed ? { t: 'seed', record: scored } : { t: 'evolved', record: scored });
    if (intervalDue()) batches.push(...record({ t: 'cut' }));
    if (batches.length > 0) triggered.set(scored.id, batches);
    return curriculumEmits(toShards(batches));
  };

  // One input at a time, in arrival order: the journal order is the order a restart replays.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T> | T): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  /**
   * Finite mode: evolved records that arrived before their seed was found contaminated are dropped
   * now (continuous mode cannot recall a batch already published; there the seed, which reaches the
   * mixer rounds before its descendants, is what stops them).
   */
  const dropLateDescendants = (): Emit[] => {
    const emits: Emit[] = [];
    for (const r of [...evolved.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const seedEntry = contaminatedSeeds.get(r.seedId);
      if (!seedEntry) continue;
      const record = full(r);
      evolved.delete(r.id);
      const entry: ContaminationEntry = {
        id: r.id,
        seedId: r.seedId,
        round: r.round,
        kind: 'evolved',
        via: 'seed',
        instruction: record.instruction,
        matches: seedEntry.matches,
        scores: {},
      };
      emits.push(...drop(record, entry));
    }
    return emits;
  };

  /** One line naming what was left out and why (instead of one warning per record). */
  const leftOutLine = (): string | null => {
    const parts: string[] = [];
    if (stats.contaminated > 0) {
      const viaSeed = [...contaminated.values()].filter((e) => e.via === 'seed').length;
      parts.push(
        `${stats.contaminated} contaminated (${stats.contaminatedSeeds} seeds, ${stats.contaminated - stats.contaminatedSeeds - viaSeed} evolved records, ` +
          `${viaSeed} descendants of contaminated seeds; each with the evaluation item it matched in contaminated.jsonl)`,
      );
    }
    if (stats.withoutResponse > 0) {
      parts.push(
        `${stats.withoutResponse} without a response to train on (${stats.withoutResponseSeeds} seeds, ${stats.withoutResponse - stats.withoutResponseSeeds} evolved records)`,
      );
    }
    return parts.length === 0 ? null : `mix: left out ${stats.contaminated + stats.withoutResponse} records: ${parts.join('; ')}`;
  };

  /**
   * Write the dataset and return its curriculum records (and the late drops) to publish. Nothing
   * holds the whole dataset: batches are planned from the stubs, and each batch's full records are
   * read back from the journal when its turn comes, once for the files and once more, lazily, as the
   * returned emits are read (read them before `close()`, which removes the journal).
   */
  const finish = (): Iterable<Emit> => {
    const lateDrops = stream ? [] : dropLateDescendants();
    // Planned from the stubs; full records are read back from the journal, batch by batch.
    const planned = planBatches({ evolved: [...evolved.values()], seeds: [...seeds.values()], options: batchOptions });
    let head: Emit[] = [];
    let writer: ShardWriter | null = null;
    if (stream && shards) {
      head = curriculumEmits(toShards(record({ t: 'cut' })));
      shards.finish();
    } else {
      writer = shards = createShardWriter({ outDir, format, metadata: mix.metadata, shardRecords: mix.shardRecords });
      stats.batches = planned.length;
    }
    /** The planned batches' full records, in order; each batch also goes to the shards (finite mode). */
    function* datasetRecords(): Generator<EvolRecord> {
      for (const b of planned) {
        const batch = fullBatch(b);
        writer?.add(batch);
        yield* batch.records;
      }
    }
    const files = writeDatasetFiles(datasetRecords(), {
      outDir,
      format,
      metadata: mix.metadata,
      parquet: mix.parquet,
      datasetName: mix.datasetName,
    });
    writer?.finish();
    files.push(MANIFEST_FILE, ...shards.manifest.shards.map((s) => s.file));
    if (decontamination) {
      const drops = [...contaminated.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      writeFileAtomic(join(outDir, CONTAMINATED_FILE), drops.map((e) => `${JSON.stringify(e)}\n`).join(''));
      files.push(CONTAMINATED_FILE);
    }
    // The stubs carry what the summary counts (round, strategy, batch).
    const records = planned.flatMap((b) => b.records);
    const summary = summarize(records, {
      seedsAvailable: seeds.size,
      contaminated: stats.contaminated,
      contaminatedSeeds: stats.contaminatedSeeds,
      withoutResponse: stats.withoutResponse,
      withoutResponseSeeds: stats.withoutResponseSeeds,
    });
    const seedPaths = [...seedFiles].map((f) => (existsSync(f) ? f : resolve(options.cwd ?? process.cwd(), f)));
    const card = datasetCard({
      name: mix.datasetName,
      format,
      summary,
      replay: { share: mix.replayShare, count: mix.replayCount },
      batchSize: mix.batchSize,
      order: mix.order,
      stratify: mix.stratify,
      seedLicense: mix.seedLicense,
      seedSources: detectSeedLicenses(seedPaths),
      decontamination: decontamination
        ? { methods: decontamination.tests.map((t) => t.method), sets: decontamination.sets, file: CONTAMINATED_FILE }
        : null,
      files: ['README.md', ...files],
      provenance: {
        provider: config.llm.provider,
        models: Object.fromEntries(Object.entries(config.llm.roles).map(([role, r]) => [role, r.model])),
        rounds: config.run.rounds,
        strategies: config.strategies.enabled,
        seed: config.run.seed,
        createdAt: new Date(now()).toISOString(),
      },
    });
    writeFileAtomic(join(outDir, 'README.md'), card);
    writeFileAtomic(join(outDir, 'mix-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    const leftOut = leftOutLine();
    if (leftOut !== null) logger.warn(leftOut);
    logger.info(
      `mix: wrote ${records.length} records (${summary.replayed} replayed seeds, share ${summary.replayShare}) in ${planned.length} batches to ${outDir}`,
    );
    return (function* (): Generator<Emit> {
      yield* head;
      // Finite mode: every planned batch goes to curriculum (continuous mode published its batches as they filled).
      if (!stream) for (const b of planned) yield* curriculumEmits([fullBatch(b)]);
      yield* lateDrops;
    })();
  };

  return {
    name: 'mix',
    handle(input, _ctx, from) {
      return serial(() => {
        if (closed || flushed)
          throw new EvolflowError(
            'internal',
            `mix stage for ${outDir} got record ${input.id} after ${closed ? 'close()' : 'flush()'}; create a new stage for a new run`,
          );
        return handleOne(input, from);
      });
    },
    flush(): Promise<Iterable<Emit>> {
      return serial((): Iterable<Emit> => {
        if (flushed) return [];
        flushed = true;
        return finish();
      });
    },
    tick() {
      return serial(() => (!flushed && !closed && intervalDue() ? curriculumEmits(toShards(record({ t: 'cut' }))) : []));
    },
    stats,
    async close() {
      await serial(() => undefined);
      if (closed) return;
      closed = true;
      // After a flush the dataset is written: the journal's work is done.
      if (flushed) journal.finish();
      else journal.close();
      await decontamination?.close();
    },
  };
}
