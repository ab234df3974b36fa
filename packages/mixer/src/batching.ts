// Curriculum batches: each batch blends a configured share (or count) of replayed seeds with
// evolved records, batches ordered easy to hard (or shuffled), optionally stratified by strategy.
// Two drivers over the same rules: `planBatches` for a whole finite set (independent of arrival
// order) and `createStreamMixer` for continuous mode (batches as records arrive).
import { seededRandom, type EvolRecord } from '@evolflow/core';
import { estimateDifficulty } from './difficulty.ts';
import { createReplayBuffer, type ReplayBuffer, type ReplayDraw } from './replay.ts';

/** How batches are made (from `config.mix` and `config.run.seed`). */
export interface BatchOptions {
  /** Share of seeds in every batch (0 to <1), used when `replayCount` is 0. */
  replayShare: number;
  /** Seeds per full batch; 0 means use `replayShare`. */
  replayCount: number;
  batchSize: number;
  order: 'curriculum' | 'shuffle';
  /** Spread strategies over batches in proportion to their counts (continuous: to what is waiting). */
  stratify: boolean;
  /** The run seed: the same seed gives the same batches. */
  seed: number;
}

/** One batch; every record carries `batch` ({ index, position, size, replay, repeated? }). */
export interface Batch {
  index: number;
  records: EvolRecord[];
}

/** Where the mixer stands after some batches: what the cumulative seed share is measured on. */
export interface MixTally {
  batches: number;
  positions: number;
  seeds: number;
}

/** A record's curriculum level: the judge's difficulty when present, else the offline estimate. */
export function levelOf(record: EvolRecord): number {
  const scored = record.scores?.difficulty ?? record.scores?.estimate;
  if (scored !== undefined) return scored;
  let level = estimated.get(record);
  if (level === undefined) estimated.set(record, (level = estimateDifficulty(record.instruction, { round: record.round })));
  return level;
}
const estimated = new WeakMap<EvolRecord, number>();

/** Curriculum order: level, then round, then id (a total order, so sorting is deterministic). */
export function curriculumCompare(a: EvolRecord, b: EvolRecord): number {
  return levelOf(a) - levelOf(b) || a.round - b.round || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const byId = (a: EvolRecord, b: EvolRecord): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Seeds and evolved records for the next full batch. */
function fullQuota(options: BatchOptions, tally: MixTally, seedsAvailable: boolean): { seeds: number; evolved: number } {
  const size = options.batchSize;
  if (!seedsAvailable || size < 2) return { seeds: 0, evolved: size };
  if (options.replayCount > 0) {
    const seeds = Math.min(options.replayCount, size - 1);
    return { seeds, evolved: size - seeds };
  }
  // Cumulative rounding keeps the whole stream's share within half a record of the target, and
  // each batch within one record of it.
  const target = Math.round(options.replayShare * (tally.positions + size)) - tally.seeds;
  const seeds = Math.max(0, Math.min(target, Math.ceil(options.replayShare * size), size - 1));
  return { seeds, evolved: size - seeds };
}

/** Seeds to add to a last, partial batch of `evolved` records. */
function partialSeeds(
  options: BatchOptions,
  tally: MixTally,
  { evolved, seedsAvailable }: { evolved: number; seedsAvailable: boolean },
): number {
  if (!seedsAvailable || evolved === 0) return 0;
  if (options.replayCount > 0) {
    const perFull = Math.min(options.replayCount, options.batchSize - 1);
    return Math.round((evolved * perFull) / Math.max(1, options.batchSize - perFull));
  }
  let size = evolved;
  while (Math.round(options.replayShare * (tally.positions + size)) - tally.seeds > size - evolved) size++;
  return Math.min(size - evolved, Math.ceil(options.replayShare * size));
}

/** Place seeds and evolved records in a batch and stamp every record with its `batch` field. */
function assemble(options: BatchOptions, index: number, { evolved, draws }: { evolved: EvolRecord[]; draws: ReplayDraw[] }): Batch {
  const size = evolved.length + draws.length;
  type Slot = { record: EvolRecord; replay: boolean; repeated: boolean };
  let slots: Slot[];
  if (options.order === 'shuffle') {
    slots = [
      ...evolved.map((record) => ({ record, replay: false, repeated: false })),
      ...draws.map((d) => ({ record: d.record, replay: true, repeated: d.repeated })),
    ];
    shuffleInPlace(slots, seededRandom(options.seed, 'mix', 'arrange', index));
  } else {
    // Easy to hard inside the batch too, seeds spread evenly between the evolved records.
    const sorted = [...evolved].sort(curriculumCompare);
    const seedAt = new Set(draws.map((_, j) => Math.floor(((j + 0.5) * size) / draws.length)));
    slots = [];
    let e = 0;
    let d = 0;
    for (let p = 0; p < size; p++) {
      const draw = seedAt.has(p) ? draws[d] : undefined;
      if (draw) {
        d++;
        slots.push({ record: draw.record, replay: true, repeated: draw.repeated });
      } else {
        slots.push({ record: sorted[e++] as EvolRecord, replay: false, repeated: false });
      }
    }
  }
  const records = slots.map((s, position): EvolRecord => ({
    ...s.record,
    batch: { index, position, size, replay: s.replay, ...(s.repeated ? { repeated: true } : {}) },
  }));
  return { index, records };
}

/** Takes the evolved records of each batch from an ordered set, in proportion per strategy when stratified. */
function evolvedTaker(ordered: EvolRecord[], options: BatchOptions): { take(n: number): EvolRecord[]; readonly left: number } {
  if (!options.stratify) {
    let next = 0;
    return {
      take(n) {
        const out = ordered.slice(next, next + n);
        next += out.length;
        return out;
      },
      get left() {
        return ordered.length - next;
      },
    };
  }
  const groups = new Map<string, EvolRecord[]>();
  for (const r of ordered) {
    const key = r.strategy ?? '(none)';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const keys = [...groups.keys()].sort();
  const cursor = new Map(keys.map((k) => [k, 0]));
  let left = ordered.length;
  return {
    take(n) {
      n = Math.min(n, left);
      // Largest remainder: each strategy gets its share of what is left, ties to the name.
      const shares = keys.map((k) => {
        const rem = (groups.get(k) as EvolRecord[]).length - (cursor.get(k) as number);
        const exact = left === 0 ? 0 : (n * rem) / left;
        return { k, rem, quota: Math.floor(exact), frac: exact - Math.floor(exact) };
      });
      let extra = n - shares.reduce((a, s) => a + s.quota, 0);
      for (const s of [...shares].sort((a, b) => b.frac - a.frac || (a.k < b.k ? -1 : 1))) {
        if (extra === 0) break;
        if (s.quota < s.rem) {
          s.quota++;
          extra--;
        }
      }
      const out: EvolRecord[] = [];
      for (const s of shares) {
        const at = cursor.get(s.k) as number;
        out.push(...(groups.get(s.k) as EvolRecord[]).slice(at, at + s.quota));
        cursor.set(s.k, at + s.quota);
      }
      left -= out.length;
      return out;
    },
    get left() {
      return left;
    },
  };
}

/** The evolved records in batch order: curriculum (level, round, id) or a seeded shuffle. */
export function orderEvolved(evolved: readonly EvolRecord[], options: Pick<BatchOptions, 'order' | 'seed'>): EvolRecord[] {
  if (options.order === 'curriculum') return [...evolved].sort(curriculumCompare);
  return shuffleInPlace([...evolved].sort(byId), seededRandom(options.seed, 'mix', 'order'));
}

function makeBatch(ctx: { options: BatchOptions; tally: MixTally; replay: ReplayBuffer }, evolved: EvolRecord[], seeds: number): Batch {
  const index = ctx.tally.batches;
  const draws = ctx.replay.draw(seeds, seededRandom(ctx.options.seed, 'mix', 'replay', index));
  const batch = assemble(ctx.options, index, { evolved, draws });
  ctx.tally.batches++;
  ctx.tally.positions += batch.records.length;
  ctx.tally.seeds += draws.length;
  return batch;
}

/**
 * Batches for a whole finite set. The result depends only on the set of records and the options,
 * never on the order they arrived in: evolved records are ordered by curriculum (or a seeded
 * shuffle of their ids), seeds are drawn from a buffer filled in id order.
 */
export function planBatches(input: { evolved: readonly EvolRecord[]; seeds: readonly EvolRecord[]; options: BatchOptions }): Batch[] {
  const { options } = input;
  const replay = createReplayBuffer();
  for (const s of [...input.seeds].sort(byId)) replay.add(s);
  const taker = evolvedTaker(orderEvolved(input.evolved, options), options);
  const ctx = { options, tally: { batches: 0, positions: 0, seeds: 0 }, replay };
  const batches: Batch[] = [];
  while (taker.left > 0) {
    const quota = fullQuota(options, ctx.tally, replay.size > 0);
    if (taker.left >= quota.evolved) {
      batches.push(makeBatch(ctx, taker.take(quota.evolved), quota.seeds));
    } else {
      const evolved = taker.take(taker.left);
      batches.push(makeBatch(ctx, evolved, partialSeeds(options, ctx.tally, { evolved: evolved.length, seedsAvailable: replay.size > 0 })));
    }
  }
  return batches;
}

/** Continuous mode: batches cut from records as they arrive. */
export interface StreamMixer {
  /** An evolved record arrived; returns the batches it completed. */
  addEvolved(record: EvolRecord): Batch[];
  /** A seed arrived for the replay buffer; returns batches that were waiting for a first seed. */
  addSeed(record: EvolRecord): Batch[];
  /** Emit what is buffered as a partial batch (the interval passed, or the run ended). */
  cut(): Batch[];
  readonly tally: Readonly<MixTally>;
  /** Evolved records waiting for their batch. */
  readonly pending: number;
  readonly replay: Pick<ReplayBuffer, 'size' | 'unused' | 'repeats'>;
}

/**
 * A continuous mixer: evolved records are batched in arrival order (sorted easy to hard inside each
 * batch, or shuffled); while the replay share is above 0 and no seed has arrived yet, full batches
 * wait for the first seed. With `stratify`, a batch leaves once two batches' worth are waiting and
 * takes each strategy in proportion to what is waiting (oldest first within a strategy). The same
 * sequence of calls gives the same batches.
 */
export function createStreamMixer(options: BatchOptions): StreamMixer {
  const replay = createReplayBuffer();
  const ctx = { options, tally: { batches: 0, positions: 0, seeds: 0 }, replay };
  let buffer: EvolRecord[] = [];
  const wantsSeeds = options.replayCount > 0 || options.replayShare > 0;
  const window = options.stratify ? 2 : 1;
  const takeFromBuffer = (n: number): EvolRecord[] => {
    if (!options.stratify) {
      const taken = buffer.slice(0, n);
      buffer = buffer.slice(n);
      return taken;
    }
    const taken = evolvedTaker(buffer, options).take(n);
    const gone = new Set(taken);
    buffer = buffer.filter((r) => !gone.has(r));
    return taken;
  };
  const drain = (atEnd: boolean): Batch[] => {
    const out: Batch[] = [];
    if (wantsSeeds && replay.size === 0 && !atEnd) return out;
    for (;;) {
      const quota = fullQuota(options, ctx.tally, replay.size > 0);
      if (buffer.length < quota.evolved * (atEnd ? 1 : window)) return out;
      out.push(makeBatch(ctx, takeFromBuffer(quota.evolved), quota.seeds));
    }
  };
  return {
    addEvolved(record) {
      buffer.push(record);
      return drain(false);
    },
    addSeed(record) {
      replay.add(record);
      return drain(false);
    },
    cut() {
      const out = drain(true);
      if (buffer.length > 0) {
        const evolved = takeFromBuffer(buffer.length);
        out.push(makeBatch(ctx, evolved, partialSeeds(options, ctx.tally, { evolved: evolved.length, seedsAvailable: replay.size > 0 })));
      }
      return out;
    },
    get tally() {
      return ctx.tally;
    },
    get pending() {
      return buffer.length;
    },
    replay,
  };
}
