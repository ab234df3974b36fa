// The mixer's journal: every input the mixer absorbed, appended before the handler returns (so
// before runStage commits the delivery). A restarted mixer replays it to rebuild its buffer, its
// batches and its shards exactly, so it neither repeats nor loses a batch.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError, type EvolRecord } from '@evolflow/core';
import type { ContaminationMatch, DecontaminationResult } from '@evolflow/mixer';

/** One record dropped as contaminated: a line of `contaminated.jsonl`. */
export interface ContaminationEntry {
  id: string;
  seedId: string;
  round: number;
  /** A seed (round 0, replayed) or an evolved record. */
  kind: 'seed' | 'evolved';
  /** `record`: the record itself matched; `seed`: its seed did (the matches are the seed's). */
  via: 'record' | 'seed';
  instruction: string;
  /** Each test that fired, with the evaluation item it matched (set file name, line, text) and its score. */
  matches: ContaminationMatch[];
  /** Every configured test's best score for this record. */
  scores: DecontaminationResult['scores'];
}

/** One journal line. */
export type JournalEvent =
  | { t: 'evolved'; record: EvolRecord }
  | { t: 'seed'; record: EvolRecord }
  /** Continuous mode: the interval passed and a partial batch was cut. */
  | { t: 'cut' }
  /** Dropped as contaminated (with what it matched), or left out without a response. */
  | { t: 'contaminated'; id: string; entry?: ContaminationEntry }
  | { t: 'no-response'; id: string; seed?: boolean };

/** Where one journal line lies in the file (its newline excluded). */
export interface JournalSpan {
  offset: number;
  length: number;
}

export interface Journal {
  /** Events read at open (the previous, unfinished run of this output folder). */
  readonly recovered: readonly JournalEvent[];
  /** Where each recovered event lies in the file, index for index. */
  readonly recoveredSpans: readonly JournalSpan[];
  /** Append one event; returns where its line lies, for `read`. */
  append(event: JournalEvent): JournalSpan;
  /** Read back the event at `span` (what the mixer holds a small stub of, until it writes the batches). */
  read(span: JournalSpan): JournalEvent;
  /** The run is complete: remove the journal so the next run in this folder starts afresh. */
  finish(): void;
  close(): void;
}

export const STATE_DIR = '.mix-state';
const FILE = 'journal.jsonl';

/** Open (or create) the journal in `<outDir>/.mix-state/`; a torn last line from a crash is cut off. */
export function openJournal(outDir: string, options: { chunkBytes?: number } = {}): Journal {
  const dir = join(outDir, STATE_DIR);
  const file = join(dir, FILE);
  mkdirSync(dir, { recursive: true });
  const recovered: JournalEvent[] = [];
  const recoveredSpans: JournalSpan[] = [];
  if (existsSync(file)) {
    // Read in chunks, line by line: a journal can pass the longest string V8 allows (512 MiB).
    const rfd = openSync(file, 'r');
    let valid = 0;
    try {
      const chunk = Buffer.alloc(Math.max(1, options.chunkBytes ?? 1 << 20));
      let rest = Buffer.alloc(0);
      let position = 0;
      let line = 0;
      for (;;) {
        const n = readSync(rfd, chunk, 0, chunk.length, position);
        if (n === 0) break; // what is left in `rest` is a torn write: its delivery was never committed and will come again
        position += n;
        let buf = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let nl: number;
        while ((nl = buf.indexOf(10)) >= 0) {
          line++;
          try {
            recovered.push(JSON.parse(buf.toString('utf8', 0, nl)) as JournalEvent);
            recoveredSpans.push({ offset: valid, length: nl });
          } catch (cause) {
            throw new EvolflowError(
              'internal',
              `${file}:${line}: journal line is not JSON (${(cause as Error).message}); the mixer cannot resume: remove ${dir} and the shards to start again`,
              { cause },
            );
          }
          valid += nl + 1;
          buf = buf.subarray(nl + 1);
        }
        rest = Buffer.from(buf);
      }
    } finally {
      closeSync(rfd);
    }
    if (valid < statSync(file).size) {
      const fd = openSync(file, 'r+');
      ftruncateSync(fd, valid);
      closeSync(fd);
    }
  }
  // Appends go to the end whatever the position; reads name their position.
  let fd: number | null = openSync(file, 'a+');
  let size = statSync(file).size;
  const closedError = () => new EvolflowError('internal', `mix journal ${file} is closed; the stage was used after close() or flush()`);
  return {
    recovered,
    recoveredSpans,
    append(event) {
      if (fd === null) throw closedError();
      const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
      writeSync(fd, line);
      const span = { offset: size, length: line.length - 1 };
      size += line.length;
      return span;
    },
    read(span) {
      if (fd === null) throw closedError();
      const buf = Buffer.alloc(span.length);
      let got = 0;
      while (got < span.length) {
        const n = readSync(fd, buf, got, span.length - got, span.offset + got);
        if (n === 0) break;
        got += n;
      }
      try {
        if (got < span.length) throw new Error(`${got} of ${span.length} bytes`);
        return JSON.parse(buf.toString('utf8')) as JournalEvent;
      } catch (cause) {
        throw new EvolflowError(
          'internal',
          `${file}: the journal line at byte ${span.offset} cannot be read back (${(cause as Error).message}); was the file changed while the mixer ran?`,
          { cause },
        );
      }
    },
    finish() {
      if (fd !== null) closeSync(fd);
      fd = null;
      rmSync(dir, { recursive: true, force: true });
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
