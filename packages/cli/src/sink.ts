// The run's sink: reads the terminal topics (unique, replay, rejected, curriculum) and the dead
// letters, and writes kept, seeds, rejected, lineage and dlq JSONL files. Records are not held, and
// neither is an index of them: each line goes to a spool (an external merge sort, below) with its
// id as key, so memory is a fixed buffer budget per spool whatever the length of the run. At the end
// every file is written sorted by id from a merge of the spool's sorted runs, keeping the last line
// of each id (a redelivered record replaces its line), and renamed into place. The exact counts and
// tallies come out of that merge: before `write` they count appends (redeliveries included).
import { closeSync, mkdirSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EvolRecord } from '@evolflow/core';
import { openAtomicWriter, type AtomicWriter } from '@evolflow/mixer';
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

/** The spools of a sink: one per output file, and one for the curriculum's keys. */
export type SpoolName = 'kept' | 'seeds' | 'rejected' | 'lineage' | 'dlq' | 'curriculum';

/** What a sink's spools hold right now (for tests and metrics). */
export interface SinkStats {
  /** The memory budget of all the spools' buffers together, in bytes. */
  runBytes: number;
  spools: Record<SpoolName, { appended: number; runs: number; bufferedBytes: number }>;
}

/**
 * The run's sink. Before `write`, `counts`, `rounds`, `strategies`, `curriculum` and
 * `llmErrorSample` count appends: a redelivered record is counted again (they feed the progress line
 * and metrics). After `write` they are exact: distinct records, as the written files hold them.
 */
export interface Sink {
  counts(): SinkCounts;
  /** Kept and rejected evolutions by round and by strategy. */
  readonly rounds: Tally;
  readonly strategies: Tally;
  /** The detail of the first record rejected for `llm-error`, if any (the run's sample error). */
  llmErrorSample(): string | undefined;
  /** Distinct records the mixer put in curriculum batches, and how many of them were replayed seeds. */
  curriculum(): { records: number; replayed: number };
  /** Entries, run files and buffered bytes of each spool. */
  stats(): SinkStats;
  stop(): Promise<void>;
  /** Write every file of the sink into `dir`, each sorted by id (dlq.jsonl in arrival order), make the counts exact, and remove the spools. */
  write(dir: string): Promise<void>;
}

export interface SinkOptions {
  /** Folder for the spool files (created; removed by `write`). */
  spoolDir: string;
  /** Bytes each spool and each output buffers before a write to disk (default 256 KiB). */
  highWaterMark?: number;
  /**
   * Bytes of entries all the spools together hold in memory; when they reach it, the spool holding
   * the most writes its entries as a sorted run file (default 16 MiB).
   */
  runBytes?: number;
  /** Most run files one merge reads at once; more are first merged into bigger runs (default 64). */
  mergeFanIn?: number;
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

/** One spooled entry: its sort key, arrival number, a small tally tag and the line's bytes. */
interface Entry {
  key: string;
  seq: number;
  tag: string;
  line: Buffer;
}

/** Estimated memory of an entry beyond its strings and bytes (object, Buffer view, array slot). */
const ENTRY_OVERHEAD = 160;
/** Read buffer of each run during a merge. */
const READ_CHUNK = 64 * 1024;

const byKeyThenSeq = (a: Entry, b: Entry): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.seq - b.seq);

/** Buffered writes of run frames to a new file. */
function openRunWriter(path: string, highWaterMark: number) {
  const fd = openSync(path, 'w');
  const buffer = Buffer.allocUnsafe(highWaterMark);
  let used = 0;
  const out = (data: Uint8Array) => {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  };
  const flush = () => {
    if (used > 0) out(buffer.subarray(0, used));
    used = 0;
  };
  const put = (data: Uint8Array) => {
    if (used + data.length > buffer.length) flush();
    if (data.length > buffer.length) out(data);
    else {
      buffer.set(data, used);
      used += data.length;
    }
  };
  return {
    frame(e: Entry) {
      const key = Buffer.from(e.key, 'utf8');
      const tag = Buffer.from(e.tag, 'utf8');
      const head = Buffer.allocUnsafe(4 + key.length + 8 + 4 + tag.length + 4);
      let o = head.writeUInt32LE(key.length, 0);
      o += key.copy(head, o);
      o = head.writeDoubleLE(e.seq, o);
      o = head.writeUInt32LE(tag.length, o);
      o += tag.copy(head, o);
      head.writeUInt32LE(e.line.length, o);
      put(head);
      put(e.line);
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}

/** A source of entries in (key, seq) order: its current entry, and a step to the next. */
interface Source {
  head: Entry | undefined;
  advance(): void;
  close(): void;
}

/** Read a run file frame by frame through one buffer of `READ_CHUNK` bytes (grown only for a frame larger than that). */
function openRunReader(path: string): Source {
  const fd = openSync(path, 'r');
  let buf = Buffer.allocUnsafe(READ_CHUNK);
  let start = 0;
  let end = 0;
  let filePos = 0;
  let eof = false;
  /** Make at least `n` bytes available from `start`; false at the end of the file. */
  const ensure = (n: number): boolean => {
    if (end - start >= n) return true;
    if (start > 0) {
      buf.copy(buf, 0, start, end);
      end -= start;
      start = 0;
    }
    if (n > buf.length) {
      const bigger = Buffer.allocUnsafe(n);
      buf.copy(bigger, 0, 0, end);
      buf = bigger;
    }
    while (end < n && !eof) {
      const got = readSync(fd, buf, end, buf.length - end, filePos);
      if (got === 0) eof = true;
      filePos += got;
      end += got;
    }
    return end - start >= n;
  };
  const truncated = () => new Error(`spool run ${path} ends inside a frame at byte ${filePos - (end - start)}`);
  const source: Source = {
    head: undefined,
    advance() {
      if (!ensure(4)) {
        if (end > start) throw truncated();
        source.head = undefined;
        return;
      }
      const keyLen = buf.readUInt32LE(start);
      if (!ensure(4 + keyLen + 12)) throw truncated();
      const tagLen = buf.readUInt32LE(start + 4 + keyLen + 8);
      const lineAt = 4 + keyLen + 12 + tagLen + 4;
      if (!ensure(lineAt)) throw truncated();
      const lineLen = buf.readUInt32LE(start + lineAt - 4);
      if (!ensure(lineAt + lineLen)) throw truncated();
      const s = start;
      source.head = {
        key: buf.toString('utf8', s + 4, s + 4 + keyLen),
        seq: buf.readDoubleLE(s + 4 + keyLen),
        tag: buf.toString('utf8', s + 4 + keyLen + 12, s + 4 + keyLen + 12 + tagLen),
        line: Buffer.from(buf.subarray(s + lineAt, s + lineAt + lineLen)),
      };
      start += lineAt + lineLen;
    },
    close() {
      closeSync(fd);
    },
  };
  source.advance();
  return source;
}

/** The entries of a sorted array as a source. */
function arraySource(entries: readonly Entry[]): Source {
  let i = 0;
  const source: Source = {
    head: entries[0],
    advance() {
      source.head = entries[++i];
    },
    close() {},
  };
  return source;
}

/**
 * Visit, in key order, the last entry (highest seq) of each distinct key of `sources` (each in
 * (key, seq) order), through a binary heap of the sources by their current entries.
 */
function mergeSources(sources: readonly Source[], visit: (e: Entry) => void): void {
  const heap = sources.filter((s) => s.head !== undefined);
  const less = (i: number, j: number) => byKeyThenSeq((heap[i] as Source).head as Entry, (heap[j] as Source).head as Entry) < 0;
  const swap = (i: number, j: number) => {
    const t = heap[i] as Source;
    heap[i] = heap[j] as Source;
    heap[j] = t;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let pending: Entry | undefined;
  while (heap.length > 0) {
    const top = heap[0] as Source;
    const e = top.head as Entry;
    if (pending && pending.key !== e.key) visit(pending);
    pending = e;
    top.advance();
    if (top.head === undefined) {
      const last = heap.pop() as Source;
      if (heap.length > 0) heap[0] = last;
    }
    down(0);
  }
  if (pending) visit(pending);
}

/** Sort `entries` by (key, seq) and keep the last of each key. */
function sortedLast(entries: Entry[]): Entry[] {
  entries.sort(byKeyThenSeq);
  return entries.filter((e, i) => entries[i + 1]?.key !== e.key);
}

/**
 * A spool of keyed lines, an external merge sort: `append` buffers an entry (key, arrival number,
 * tally tag, line); `spill` (the sink calls it when all its spools' buffers reach its budget) sorts
 * the buffer by (key, arrival), cuts it to the last entry of each key and writes it as one run file. `merge` reads the run
 * files through fixed-size read buffers (at most `fanIn` at once: more are first merged into bigger
 * runs) with the buffer, and gives the last appended entry of each distinct key in key order, its
 * line written to `file`. Memory is the buffer and `fanIn` read buffers, whatever the entry count.
 *
 * Run file format: one frame per entry, each
 *   u32 LE key byte length, key (UTF-8), f64 LE arrival number, u32 LE tag byte length, tag (UTF-8),
 *   u32 LE line byte length, line bytes (as written to the output, newline included);
 * frames in (key, arrival) order, no key twice in one run.
 */
interface Spool {
  append(key: string, line: string, tag?: string): void;
  /** Write the buffered entries as one sorted run file (the sink calls it when its budget is reached). */
  spill(): void;
  stats(): { appended: number; runs: number; bufferedBytes: number };
  /** Write the last line of each key, in key order, to `file` (atomically) if given; `visit` sees each such entry. Returns how many. */
  merge(file: string | null, visit?: (e: Entry) => void): number;
}

interface SpoolOptions {
  highWaterMark: number;
  fanIn: number;
}

function openSpool(path: string, options: SpoolOptions): Spool {
  let buffer: Entry[] = [];
  let bufferedBytes = 0;
  let appended = 0;
  let made = 0;
  const runs: string[] = [];
  const writeRun = (write: (frame: (e: Entry) => void) => void): string => {
    const file = `${path}.run-${made++}`;
    const out = openRunWriter(file, options.highWaterMark);
    try {
      write((e) => out.frame(e));
    } finally {
      out.close();
    }
    return file;
  };
  const spill = () => {
    if (buffer.length === 0) return;
    const sorted = sortedLast(buffer);
    runs.push(writeRun((frame) => sorted.forEach(frame)));
    buffer = [];
    bufferedBytes = 0;
  };
  /** Merge the oldest `fanIn` runs into one, until at most `fanIn` are left. */
  const compact = () => {
    while (runs.length > options.fanIn) {
      const group = runs.splice(0, options.fanIn);
      const readers = group.map(openRunReader);
      try {
        runs.push(writeRun((frame) => mergeSources(readers, frame)));
      } finally {
        for (const r of readers) r.close();
      }
      for (const f of group) unlinkSync(f);
    }
  };
  return {
    append(key, line, tag = '') {
      // Its own memory, not a slice of Node's shared 8 KiB pool: a held slice would pin its whole slab
      // (a heap snapshot of a --follow run showed 8 KiB slabs held per buffered line, several times the budget).
      const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(line, 'utf8'));
      bytes.write(line, 'utf8');
      buffer.push({ key, seq: appended++, tag, line: bytes });
      bufferedBytes += ENTRY_OVERHEAD + 2 * (key.length + tag.length) + bytes.length;
    },
    spill,
    stats: () => ({ appended, runs: runs.length, bufferedBytes }),
    merge(file, visit) {
      compact();
      const readers: Source[] = [];
      let out: AtomicWriter | null = null;
      let n = 0;
      try {
        for (const r of runs) readers.push(openRunReader(r));
        readers.push(arraySource(sortedLast(buffer)));
        out = file === null ? null : openAtomicWriter(file, { highWaterMark: options.highWaterMark });
        mergeSources(readers, (e) => {
          out?.write(e.line);
          visit?.(e);
          n++;
        });
        out?.commit();
      } catch (err) {
        out?.abort();
        throw err;
      } finally {
        for (const r of readers) r.close();
      }
      return n;
    },
  };
}

/** An append-only spool of lines kept in arrival order (dlq.jsonl): copied as it is by `copyTo`. */
function openLineSpool(path: string, highWaterMark: number) {
  const fd = openSync(path, 'w+');
  const buffer = Buffer.allocUnsafe(highWaterMark);
  let used = 0;
  let written = 0;
  let appended = 0;
  const out = (data: Uint8Array, length: number) => {
    let off = 0;
    while (off < length) off += writeSync(fd, data, off, length - off, written + off);
    written += length;
  };
  const flush = () => {
    out(buffer, used);
    used = 0;
  };
  return {
    append(line: string) {
      appended++;
      const bytes = Buffer.from(line, 'utf8');
      if (used + bytes.length > buffer.length) flush();
      if (bytes.length > buffer.length) out(bytes, bytes.length);
      else {
        bytes.copy(buffer, used);
        used += bytes.length;
      }
    },
    stats: () => ({ appended, runs: 0, bufferedBytes: used }),
    copyTo(file: string) {
      flush();
      const w = openAtomicWriter(file, { highWaterMark });
      try {
        const chunk = Buffer.allocUnsafe(READ_CHUNK);
        for (let at = 0; at < written;) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, written - at), at);
          if (n === 0) throw new Error(`spool ${path} ends before byte ${written}`);
          w.write(chunk.subarray(0, n));
          at += n;
        }
        w.commit();
      } catch (err) {
        w.abort();
        throw err;
      }
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Add one kept or rejected (by `reason`) record of `round` and `strategy` to the two tallies. */
function tallyInto(tallies: { rounds: Tally; strategies: Tally }, at: { round: number; strategy: string; reason?: string }): void {
  for (const [into, key] of [
    [tallies.rounds, String(at.round)],
    [tallies.strategies, at.strategy],
  ] as const) {
    const slot = (into[key] ??= { kept: 0, rejected: {} });
    if (at.reason === undefined) slot.kept++;
    else slot.rejected[at.reason] = (slot.rejected[at.reason] ?? 0) + 1;
  }
}

/** `exact`'s slots and reasons in the key order of `seen` (the order they first arrived in), so run.json reads as it did. */
function inOrderOf(seen: Tally, exact: Tally): Tally {
  const out: Tally = {};
  for (const key of [...Object.keys(seen), ...Object.keys(exact)]) {
    const slot = exact[key];
    if (!slot || Object.hasOwn(out, key)) continue;
    const rejected: Record<string, number> = {};
    for (const reason of [...Object.keys(seen[key]?.rejected ?? {}), ...Object.keys(slot.rejected)]) {
      const n = slot.rejected[reason];
      if (n !== undefined && !Object.hasOwn(rejected, reason)) rejected[reason] = n;
    }
    out[key] = { kept: slot.kept, rejected };
  }
  return out;
}

/** The tally tag of a kept or rejected record: `[round, strategy]`, plus `reason` and, for `llm-error`, the detail. */
type Tag = [round: number, strategy: string, reason?: string, detail?: string];

function tagOf(record: EvolRecord, isKept: boolean): Tag {
  const tag: Tag = [record.round, record.strategy ?? 'none'];
  if (!isKept) {
    tag.push(record.rejection?.reason ?? 'unknown');
    if (record.rejection?.reason === 'llm-error' && record.rejection.detail !== undefined) tag.push(record.rejection.detail);
  }
  return tag;
}

export async function startSink(transport: Transport, group: string, options: SinkOptions): Promise<Sink> {
  const highWaterMark = options.highWaterMark ?? 256 * 1024;
  const runBytes = options.runBytes ?? 16 * 1024 * 1024;
  const spoolOptions: SpoolOptions = { highWaterMark, fanIn: Math.max(2, options.mergeFanIn ?? 64) };
  mkdirSync(options.spoolDir, { recursive: true });
  const spool = (name: string) => openSpool(join(options.spoolDir, name), spoolOptions);
  const kept = spool('kept.jsonl');
  const seeds = spool('seeds.jsonl');
  const rejected = spool('rejected.jsonl');
  const lineage = spool('lineage.jsonl');
  const curriculum = spool('curriculum');
  const letters = openLineSpool(join(options.spoolDir, 'dlq.jsonl'), highWaterMark);
  const sorted = [kept, seeds, rejected, lineage, curriculum];
  /**
   * One budget for all the buffers: past it, the fullest spool writes a run. A file that fills slowly
   * (lineage's short lines) is not given a budget of its own to fill over an hour of --follow.
   */
  const balance = () => {
    let total = sorted.reduce((n, sp) => n + sp.stats().bufferedBytes, 0);
    while (total >= runBytes) {
      const fullest = sorted.reduce((a, b) => (b.stats().bufferedBytes > a.stats().bufferedBytes ? b : a));
      total -= fullest.stats().bufferedBytes;
      fullest.spill();
    }
  };
  // Until `write`, everything counts appends; `write` replaces these with the merge's exact figures.
  let counts: SinkCounts = { kept: 0, seeds: 0, rejected: 0, evolvedRejected: 0, deadLetters: 0 };
  let tallies = { rounds: {} as Tally, strategies: {} as Tally };
  let llmError: string | undefined;
  let cur = { records: 0, replayed: 0 };
  // Lineage lines of one id sort as before: seed, then kept, then rejected.
  const STATE_ORDER = { seed: 0, kept: 1, rejected: 2 } as const;
  const add = (into: Spool, record: EvolRecord, state: LineageEntry['state']): void => {
    lineage.append(`${record.id}\u0000${STATE_ORDER[state]}`, `${JSON.stringify(lineageOf(record, state))}\n`);
    into.append(record.id, `${JSON.stringify(record)}\n`, state === 'seed' ? '' : JSON.stringify(tagOf(record, state === 'kept')));
  };
  const subs: Subscription[] = [];
  subs.push(
    await transport.subscribe({
      group,
      topics: ['unique', 'replay', 'rejected', 'curriculum'],
      concurrency: 1,
      async handler({ topic, record }) {
        if (topic === 'unique') {
          add(kept, record, 'kept');
          counts.kept++;
          tallyInto(tallies, { round: record.round, strategy: record.strategy ?? 'none' });
        } else if (topic === 'replay') {
          add(seeds, record, 'seed');
          counts.seeds++;
        } else if (topic === 'rejected') {
          add(rejected, record, 'rejected');
          counts.rejected++;
          if (record.rejection?.reason === 'llm-error') llmError ??= record.rejection.detail;
          if (record.round > 0) {
            counts.evolvedRejected++;
            const reason = record.rejection?.reason ?? 'unknown';
            tallyInto(tallies, { round: record.round, strategy: record.strategy ?? 'none', reason });
          }
        } else {
          const replay = record.batch?.replay === true;
          curriculum.append(`${record.id}#${record.batch?.index ?? 0}`, '', replay ? '1' : '0');
          cur.records++;
          if (replay) cur.replayed++;
        }
        balance();
      },
    }),
  );
  subs.push(
    await transport.subscribeDeadLetters(`${group}.dlq`, async (l) => {
      letters.append(`${JSON.stringify(l satisfies DeadLetter)}\n`);
      counts.deadLetters++;
    }),
  );
  return {
    counts: () => ({ ...counts }),
    get rounds() {
      return tallies.rounds;
    },
    get strategies() {
      return tallies.strategies;
    },
    llmErrorSample: () => llmError,
    curriculum: () => ({ ...cur }),
    stats: () => ({
      runBytes,
      spools: {
        kept: kept.stats(),
        seeds: seeds.stats(),
        rejected: rejected.stats(),
        lineage: lineage.stats(),
        dlq: letters.stats(),
        curriculum: curriculum.stats(),
      },
    }),
    async stop() {
      for (const s of subs) await s.stop();
    },
    async write(dir) {
      const exact = { rounds: {} as Tally, strategies: {} as Tally };
      const tagged = (e: Entry) => JSON.parse(e.tag) as Tag;
      const keptN = kept.merge(join(dir, 'kept.jsonl'), (e) => {
        const [round, strategy] = tagged(e);
        tallyInto(exact, { round, strategy });
      });
      const seedsN = seeds.merge(join(dir, 'seeds.jsonl'));
      let evolvedRejected = 0;
      // The sample error: of the records written as rejected for `llm-error`, the one that arrived first.
      let sample: { seq: number; detail: string } | undefined;
      const rejectedN = rejected.merge(join(dir, 'rejected.jsonl'), (e) => {
        const [round, strategy, reason = 'unknown', detail] = tagged(e);
        if (detail !== undefined && (!sample || e.seq < sample.seq)) sample = { seq: e.seq, detail };
        if (round > 0) {
          evolvedRejected++;
          tallyInto(exact, { round, strategy, reason });
        }
      });
      lineage.merge(join(dir, 'lineage.jsonl'));
      letters.copyTo(join(dir, 'dlq.jsonl'));
      let replayed = 0;
      const records = curriculum.merge(null, (e) => {
        if (e.tag === '1') replayed++;
      });
      letters.close();
      rmSync(options.spoolDir, { recursive: true, force: true });
      counts = { kept: keptN, seeds: seedsN, rejected: rejectedN, evolvedRejected, deadLetters: counts.deadLetters };
      tallies = { rounds: inOrderOf(tallies.rounds, exact.rounds), strategies: inOrderOf(tallies.strategies, exact.strategies) };
      llmError = sample?.detail;
      cur = { records, replayed };
    },
  };
}
