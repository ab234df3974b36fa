// Atomic snapshots of a deduper: generation-numbered files plus a `snapshot.json` pointer replaced by rename.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { EvolflowError } from '@evolflow/core';

/** What a snapshot holds besides the HNSW file: ids by label and the exact-hash set. */
export interface SnapshotState {
  version: 1;
  mode: 'exact' | 'semantic';
  model: string | null;
  variant: string | null;
  dimension: number;
  /** Kept records in keep order: [id, hash, label or -1 when the record has no vector]. */
  kept: [string, string, number][];
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

/**
 * Write `state` and (when given) the index via `writeIndex(file)` into `dir` as a new generation,
 * then switch `snapshot.json` to it with one rename; older generations are removed afterwards.
 */
export function writeSnapshot(dir: string, state: SnapshotState, writeIndex: ((file: string) => void) | null): void {
  mkdirSync(dir, { recursive: true });
  const generation = (readPointer(dir)?.generation ?? 0) + 1;
  const tag = String(generation).padStart(8, '0');
  const stateFile = `state-${tag}.json`;
  const indexFile = writeIndex ? `index-${tag}.hnsw` : null;
  writeDurable(join(dir, stateFile), JSON.stringify(state));
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

/** The current snapshot in `dir`, or null when there is none. */
export function readSnapshot(dir: string): { state: SnapshotState; indexFile: string | null } | null {
  const pointer = readPointer(dir);
  if (!pointer) return null;
  const stateFile = join(dir, pointer.state);
  let state: SnapshotState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as SnapshotState;
  } catch (cause) {
    throw new EvolflowError('input', `dedup snapshot state ${stateFile} cannot be read; delete ${dir} to start from an empty index`, {
      cause,
      details: { file: stateFile },
    });
  }
  if (state.version !== 1) throw new EvolflowError('input', `dedup snapshot ${stateFile} has version ${String(state.version)}, expected 1`);
  return { state, indexFile: pointer.index === null ? null : join(dir, pointer.index) };
}
