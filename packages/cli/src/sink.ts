// The run's sink: reads the terminal topics (unique, replay, rejected, curriculum) and the dead
// letters, and writes kept, seeds, rejected, lineage and dlq JSONL files. Records are not held:
// each line goes to a spool file as its record arrives, and memory keeps only each line's id, place
// and length (so a redelivered record replaces its line) and the run's tallies. At the end every file
// is written sorted by id, line by line from the spool, and renamed into place.
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EvolRecord } from '@evolflow/core';
import { openAtomicWriter } from '@evolflow/mixer';
import type { DeadLetter, Subscription, Transport } from '@evolflow/transport';

export interface LineageEntry {
  id: string;
  seedId: string;
  parentId: string | null;
  round: number;
  strategy: string | null;
  chain: string[];
  state: 'seed' | 'kept' | 'rejected';
  stage?: string;
  reason?: string;
}

/** Kept and rejected counts of one round or one strategy (rejects by reason). */
export type Tally = Record<string, { kept: number; rejected: Record<string, number> }>;

export interface SinkCounts {
  kept: number;
  seeds: number;
  rejected: number;
  /** Rejected records of round 1 and above (evolutions). */
  evolvedRejected: number;
  deadLetters: number;
}

export interface Sink {
  counts(): SinkCounts;
  /** Kept and rejected evolutions by round and by strategy. */
  readonly rounds: Tally;
  readonly strategies: Tally;
  /** The detail of the first record rejected for `llm-error`, if any (the run's sample error). */
  llmErrorSample(): string | undefined;
  /** Distinct records the mixer put in curriculum batches, and how many of them were replayed seeds. */
  curriculum(): { records: number; replayed: number };
  stop(): Promise<void>;
  /** Write every file of the sink into `dir`, each sorted by id (dlq.jsonl in arrival order), and remove the spools. */
  write(dir: string): Promise<void>;
}

export interface SinkOptions {
  /** Folder for the spool files (created; removed by `write`). */
  spoolDir: string;
  /** Bytes each spool and each output buffers before a write to disk (default 256 KiB). */
  highWaterMark?: number;
}

export function lineageOf(record: EvolRecord, state: LineageEntry['state']): LineageEntry {
  const entry: LineageEntry = {
    id: record.id,
    seedId: record.seedId,
    parentId: record.parentId,
    round: record.round,
    strategy: record.strategy ?? null,
    chain: record.lineage.map((s) => s.strategy),
    state,
  };
  if (record.rejection) {
    entry.stage = record.rejection.stage;
    entry.reason = record.rejection.reason;
  }
  return entry;
}

/**
 * An append-only spool file with an index of its lines by key: a line appended again under the same
 * key replaces the earlier one. `writeSorted` copies the lines in key order to a file, atomically.
 */
interface Spool {
  /** Append `line` (newline-terminated) under `key`; returns false when the key was there already. */
  append(key: string, line: string): boolean;
  readonly size: number;
  writeSorted(file: string, sorted: boolean): void;
  close(): void;
}

function openSpool(path: string, highWaterMark: number): Spool {
  const fd = openSync(path, 'w+');
  const buffer = Buffer.allocUnsafe(highWaterMark);
  let used = 0;
  /** Bytes of the file already on disk. */
  let written = 0;
  const index = new Map<string, [offset: number, length: number]>();
  const flush = () => {
    let off = 0;
    while (off < used) off += writeSync(fd, buffer, off, used - off, written + off);
    written += used;
    used = 0;
  };
  return {
    append(key, line) {
      const bytes = Buffer.from(line, 'utf8');
      const isNew = !index.has(key);
      index.set(key, [written + used, bytes.length]);
      if (used + bytes.length > buffer.length) flush();
      if (bytes.length > buffer.length) {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, written + off);
        written += bytes.length;
      } else {
        bytes.copy(buffer, used);
        used += bytes.length;
      }
      return isNew;
    },
    get size() {
      return index.size;
    },
    writeSorted(file, sorted) {
      flush();
      const out = openAtomicWriter(file, { highWaterMark });
      try {
        const places = sorted
          ? [...index.keys()].sort().map((k) => index.get(k) as [number, number])
          : [...index.values()].sort((a, b) => a[0] - b[0]);
        let chunk = Buffer.allocUnsafe(highWaterMark);
        for (const [offset, length] of places) {
          if (length > chunk.length) chunk = Buffer.allocUnsafe(length);
          let got = 0;
          while (got < length) {
            const n = readSync(fd, chunk, got, length - got, offset + got);
            if (n === 0) throw new Error(`spool ${path} ends before byte ${offset + length}`);
            got += n;
          }
          out.write(chunk.subarray(0, length));
        }
        out.commit();
      } catch (err) {
        out.abort();
        throw err;
      }
    },
    close() {
      closeSync(fd);
    },
  };
}

export async function startSink(transport: Transport, group: string, options: SinkOptions): Promise<Sink> {
  const highWaterMark = options.highWaterMark ?? 256 * 1024;
  mkdirSync(options.spoolDir, { recursive: true });
  const spool = (name: string) => openSpool(join(options.spoolDir, name), highWaterMark);
  const kept = spool('kept.jsonl');
  const seeds = spool('seeds.jsonl');
  const rejected = spool('rejected.jsonl');
  const lineage = spool('lineage.jsonl');
  const letters = spool('dlq.jsonl');
  const curriculum = new Set<string>();
  let replayed = 0;
  let evolvedRejected = 0;
  let llmError: string | undefined;
  const rounds: Tally = {};
  const strategies: Tally = {};
  const tally = (record: EvolRecord, isKept: boolean) => {
    for (const [into, key] of [
      [rounds, String(record.round)],
      [strategies, record.strategy ?? 'none'],
    ] as const) {
      const slot = (into[key] ??= { kept: 0, rejected: {} });
      if (isKept) slot.kept++;
      else {
        const reason = record.rejection?.reason ?? 'unknown';
        slot.rejected[reason] = (slot.rejected[reason] ?? 0) + 1;
      }
    }
  };
  // Lineage lines of one id sort as before: seed, then kept, then rejected.
  const STATE_ORDER = { seed: 0, kept: 1, rejected: 2 } as const;
  const add = (into: Spool, record: EvolRecord, state: LineageEntry['state']): boolean => {
    lineage.append(`${record.id}\u0000${STATE_ORDER[state]}`, `${JSON.stringify(lineageOf(record, state))}\n`);
    return into.append(record.id, `${JSON.stringify(record)}\n`);
  };
  let letterCount = 0;
  const subs: Subscription[] = [];
  subs.push(
    await transport.subscribe({
      group,
      topics: ['unique', 'replay', 'rejected', 'curriculum'],
      concurrency: 1,
      async handler({ topic, record }) {
        if (topic === 'unique') {
          if (add(kept, record, 'kept')) tally(record, true);
        } else if (topic === 'replay') add(seeds, record, 'seed');
        else if (topic === 'rejected') {
          if (add(rejected, record, 'rejected')) {
            if (record.rejection?.reason === 'llm-error') llmError ??= record.rejection.detail;
            if (record.round > 0) {
              evolvedRejected++;
              tally(record, false);
            }
          }
        } else {
          const key = `${record.id}#${record.batch?.index ?? 0}`;
          if (!curriculum.has(key)) {
            curriculum.add(key);
            if (record.batch?.replay) replayed++;
          }
        }
      },
    }),
  );
  subs.push(
    await transport.subscribeDeadLetters(
      `${group}.dlq`,
      async (l) => void letters.append(String(letterCount++), `${JSON.stringify(l satisfies DeadLetter)}\n`),
    ),
  );
  return {
    counts: () => ({ kept: kept.size, seeds: seeds.size, rejected: rejected.size, evolvedRejected, deadLetters: letters.size }),
    rounds,
    strategies,
    llmErrorSample: () => llmError,
    curriculum: () => ({ records: curriculum.size, replayed }),
    async stop() {
      for (const s of subs) await s.stop();
    },
    async write(dir) {
      kept.writeSorted(join(dir, 'kept.jsonl'), true);
      seeds.writeSorted(join(dir, 'seeds.jsonl'), true);
      rejected.writeSorted(join(dir, 'rejected.jsonl'), true);
      lineage.writeSorted(join(dir, 'lineage.jsonl'), true);
      letters.writeSorted(join(dir, 'dlq.jsonl'), false);
      for (const s of [kept, seeds, rejected, lineage, letters]) s.close();
      rmSync(options.spoolDir, { recursive: true, force: true });
    },
  };
}
