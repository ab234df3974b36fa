// Atomic snapshots of a deduper: generation-numbered files plus a `snapshot.json` pointer replaced by
// rename. The state file is written and read a line at a time (node:readline), never as one string.
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EvolflowError } from '@evolflow/core';

/** What a snapshot holds besides the HNSW file and its kept rows: the settings it was made with. */
export interface SnapshotHeader {
  mode: 'exact' | 'semantic';
  model: string | null;
  variant: string | null;
  dimension: number;
}

/** One kept record, in keep order: [id, hash, label or -1 when the record has no vector]. */
export type KeptRow = [id: string, hash: string, label: number];

/**
 * The state file (version 2): JSON lines, a header `{version: 2, ...SnapshotHeader, count}` then
 * one `KeptRow` per line, written and read a line at a time, so its size is not bound by the
 * longest string V8 can make (a whole-file JSON string fails past about 5 million rows). Version 1
 * (one JSON object with a `kept` array) is still read.
 */
interface StateHead extends SnapshotHeader {
  version: 2;
  count: number;
}

/** The state file of version 1, read whole (it was written as one string, so it fits in one). */
interface StateV1 extends SnapshotHeader {
  version: 1;
  kept: KeptRow[];
}

interface Pointer {
  generation: number;
  state: string;
  index: string | null;
}

const POINTER = 'snapshot.json';

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurable(file: string, data: string): void {
  writeFileSync(file, data);
  fsyncFile(file);
}

function readPointer(dir: string): Pointer | null {
  const file = join(dir, POINTER);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Pointer;
  } catch (cause) {
    throw new EvolflowError('input', `dedup snapshot ${file} is not valid JSON; delete ${dir} to start from an empty index`, {
      cause,
      details: { file },
    });
  }
}

/** What a snapshot writes besides the index: the header and the `count` kept rows. */
export interface SnapshotRows {
  header: SnapshotHeader;
  rows: Iterable<KeptRow>;
  count: number;
}

/** Bytes of lines gathered before one write. */
const WRITE_CHUNK = 1 << 20;

/** Write the state file: the header line, then a line per row, through one buffer; fsynced. */
function writeState(file: string, { header, rows, count }: SnapshotRows): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = `${JSON.stringify({ version: 2, ...header, count } satisfies StateHead)}\n`;
    let written = 0;
    for (const row of rows) {
      chunk += `${JSON.stringify(row)}\n`;
      written++;
      if (chunk.length >= WRITE_CHUNK) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (written !== count) throw new Error(`dedup snapshot ${file}: ${written} rows given, ${count} announced`);
    writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `header` and the `count` kept `rows` (synchronously: no decision lands while they are read)
 * and (when given) the index via `writeIndex(file)` into `dir` as a new generation, then switch
 * `snapshot.json` to it with one rename; older generations are removed afterwards.
 */
export function writeSnapshot(dir: string, state: SnapshotRows, writeIndex: ((file: string) => void) | null): void {
  mkdirSync(dir, { recursive: true });
  const generation = (readPointer(dir)?.generation ?? 0) + 1;
  const tag = String(generation).padStart(8, '0');
  const stateFile = `state-${tag}.jsonl`;
  const indexFile = writeIndex ? `index-${tag}.hnsw` : null;
  writeState(join(dir, stateFile), state);
  if (writeIndex && indexFile) {
    writeIndex(join(dir, indexFile));
    fsyncFile(join(dir, indexFile));
  }
  const tmp = join(dir, `${POINTER}.tmp-${process.pid}`);
  writeDurable(tmp, JSON.stringify({ generation, state: stateFile, index: indexFile } satisfies Pointer));
  renameSync(tmp, join(dir, POINTER));
  for (const name of readdirSync(dir)) {
    if (/^(state|index)-\d{8}\./.test(name) && name !== stateFile && name !== indexFile) rmSync(join(dir, name), { force: true });
  }
}

/** The current snapshot in `dir`: its header, its index file and its kept rows (read a line at a time); null when there is none. */
export async function readSnapshot(
  dir: string,
): Promise<{ header: SnapshotHeader; indexFile: string | null; rows(): AsyncGenerator<KeptRow> } | null> {
  const pointer = readPointer(dir);
  if (!pointer) return null;
  const stateFile = join(dir, pointer.state);
  const unreadable = (why: string, cause?: unknown) =>
    new EvolflowError('input', `dedup snapshot state ${stateFile} ${why}; delete ${dir} to start from an empty index`, {
      ...(cause === undefined ? {} : { cause }),
      details: { file: stateFile },
    });
  /** The file's lines with their numbers (1-based). */
  async function* lines(): AsyncGenerator<[string, number]> {
    const input = createReadStream(stateFile, { encoding: 'utf8' });
    const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    try {
      for await (const line of reader) yield [line, ++n];
    } catch (cause) {
      throw unreadable('cannot be read', cause);
    } finally {
      reader.close();
      input.destroy();
    }
  }
  const parse = (line: string, n: number): unknown => {
    try {
      return JSON.parse(line);
    } catch (cause) {
      throw unreadable(`is not valid JSON at line ${n}`, cause);
    }
  };
  let first: unknown;
  for await (const [line, n] of lines()) {
    first = parse(line, n);
    break;
  }
  const head = first as Partial<StateHead> | Partial<StateV1> | undefined;
  if (head?.version === 1) {
    const v1 = head as StateV1;
    return {
      header: { mode: v1.mode, model: v1.model, variant: v1.variant, dimension: v1.dimension },
      indexFile: pointer.index === null ? null : join(dir, pointer.index),
      async *rows() {
        yield* v1.kept;
      },
    };
  }
  if (head?.version !== 2) throw unreadable(`has version ${String(head?.version)}, expected 1 or 2`);
  const { version: _v, count, ...header } = head as StateHead;
  return {
    header,
    indexFile: pointer.index === null ? null : join(dir, pointer.index),
    async *rows() {
      let read = 0;
      for await (const [line, n] of lines()) {
        if (n === 1) continue;
        const row = parse(line, n);
        if (
          !Array.isArray(row) ||
          row.length !== 3 ||
          typeof row[0] !== 'string' ||
          typeof row[1] !== 'string' ||
          typeof row[2] !== 'number'
        )
          throw unreadable(`line ${n} is not a kept row [id, hash, label]`);
        read++;
        yield row as KeptRow;
      }
      if (read !== count) throw unreadable(`ends after ${read} of its ${count} kept rows`);
    },
  };
}
