// The mixer's journal: every input the mixer absorbed, appended before the handler returns (so
// before runStage commits the delivery). A restarted mixer replays it to rebuild its buffer, its
// batches and its shards exactly, so it neither repeats nor loses a batch.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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

export interface Journal {
  /** Events read at open (the previous, unfinished run of this output folder). */
  readonly recovered: readonly JournalEvent[];
  append(event: JournalEvent): void;
  /** The run is complete: remove the journal so the next run in this folder starts afresh. */
  finish(): void;
  close(): void;
}

export const STATE_DIR = '.mix-state';
const FILE = 'journal.jsonl';

/** Open (or create) the journal in `<outDir>/.mix-state/`; a torn last line from a crash is cut off. */
export function openJournal(outDir: string): Journal {
  const dir = join(outDir, STATE_DIR);
  const file = join(dir, FILE);
  mkdirSync(dir, { recursive: true });
  const recovered: JournalEvent[] = [];
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    let valid = 0;
    let line = 0;
    for (let start = 0; start < text.length; ) {
      const end = text.indexOf('\n', start);
      line++;
      if (end < 0) break; // torn write: its delivery was never committed and will come again
      try {
        recovered.push(JSON.parse(text.slice(start, end)) as JournalEvent);
      } catch (cause) {
        throw new EvolflowError('internal', `${file}:${line}: journal line is not JSON (${(cause as Error).message}); the mixer cannot resume: remove ${dir} and the shards to start again`, { cause });
      }
      start = end + 1;
      valid = start;
    }
    if (valid < Buffer.byteLength(text)) {
      const fd = openSync(file, 'r+');
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, valid)));
      closeSync(fd);
    }
  }
  let fd: number | null = openSync(file, 'a');
  return {
    recovered,
    append(event) {
      if (fd === null) throw new EvolflowError('internal', `mix journal ${file} is closed; the stage was used after close() or flush()`);
      writeSync(fd, `${JSON.stringify(event)}\n`);
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
