// Rotating shard files and their manifest. Batches are streamed into the open shard (a temporary
// file); when it holds `shardRecords` records (batches are never split) it is renamed into place and listed in
// `manifest.json` with its record count and sha256. A restarted mixer that recomputes the same
// batches rewrites nothing already listed: it checks the checksum and goes on.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { openAtomicWriter, writeFileAtomic, type AtomicWriter } from './atomic.ts';
import type { Batch } from './batching.ts';
import { formatLine, metadataOf, type DatasetFormat } from './formats.ts';

/** One closed shard. */
export interface ShardEntry {
  /** Path relative to the output folder. */
  file: string;
  records: number;
  /** First and last batch index in the shard. */
  batches: [number, number];
  sha256: string;
  bytes: number;
  /** The metadata side file (`metadata: file`), line-aligned with the shard. */
  metadataFile?: string;
}

/** `manifest.json`: every closed shard, in order. */
export interface ShardManifest {
  version: 1;
  format: DatasetFormat;
  shards: ShardEntry[];
  records: number;
  batches: number;
  /** True once the run ended and the last shard was closed. */
  complete: boolean;
}

export interface ShardWriterOptions {
  /** The output folder; shards go to `<outDir>/shards/`. */
  outDir: string;
  format: DatasetFormat;
  metadata: 'none' | 'field' | 'file';
  shardRecords: number;
}

export interface ShardWriter {
  /** Append a batch; closes (writes) the shard when it is full. Batches must come in index order. */
  add(batch: Batch): void;
  /** Close the open shard if it holds anything and mark the manifest complete. */
  finish(): void;
  readonly manifest: Readonly<ShardManifest>;
}

export const MANIFEST_FILE = 'manifest.json';

/** Read `manifest.json` from `outDir`, or null when there is none. */
export function readManifest(outDir: string): ShardManifest | null {
  const file = join(outDir, MANIFEST_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ShardManifest;
  } catch (cause) {
    throw new EvolflowError(
      'input',
      `${file} is not valid JSON (${(cause as Error).message}); it is written atomically, so something else changed it: move it away to start the shards again`,
      { cause },
    );
  }
}

/**
 * A shard writer over `outDir`. When a manifest is there already (a restart), shards it lists are
 * not written again: the recomputed content must match their checksum, or the writer fails.
 */
export function createShardWriter(options: ShardWriterOptions): ShardWriter {
  const previous = readManifest(options.outDir);
  const manifest: ShardManifest = { version: 1, format: options.format, shards: [], records: 0, batches: 0, complete: false };
  /** The open shard: written line by line to a temporary file beside its target. */
  let open: { name: string; data: AtomicWriter; meta: AtomicWriter | null; records: number } | null = null;
  let first = -1;
  let last = -1;

  const openShard = () => {
    const name = `shards/part-${String(manifest.shards.length).padStart(5, '0')}.jsonl`;
    const meta = options.metadata === 'file' ? openAtomicWriter(join(options.outDir, name.replace(/\.jsonl$/, '.metadata.jsonl'))) : null;
    return { name, data: openAtomicWriter(join(options.outDir, name), { hash: true }), meta, records: 0 };
  };

  const close = () => {
    if (!open) return;
    const { name, data, meta } = open;
    if (open.records === 0) {
      data.abort();
      meta?.abort();
      open = null;
      return;
    }
    const n = manifest.shards.length;
    const entry: ShardEntry = { file: name, records: open.records, batches: [first, last], sha256: data.digest(), bytes: data.bytes };
    if (meta) entry.metadataFile = name.replace(/\.jsonl$/, '.metadata.jsonl');
    open = null;
    const known = previous?.shards[n];
    if (known && existsSync(join(options.outDir, known.file))) {
      data.abort();
      meta?.abort();
      if (known.sha256 !== entry.sha256) {
        throw new EvolflowError(
          'internal',
          `shard ${known.file} in ${options.outDir} differs from the recomputed batches (sha256 ${known.sha256} vs ${entry.sha256}); the mixer's state folder and its shards disagree: remove both to start again`,
        );
      }
    } else {
      meta?.commit();
      data.commit();
    }
    manifest.shards.push(entry);
    manifest.records += entry.records;
    manifest.batches = last + 1;
    if (!known) writeFileAtomic(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    first = -1;
  };

  return {
    add(batch) {
      if (first < 0) first = batch.index;
      last = batch.index;
      open ??= openShard();
      for (const record of batch.records) {
        open.data.write(`${formatLine(record, { format: options.format, metadataField: options.metadata === 'field' })}\n`);
        open.meta?.write(`${JSON.stringify(metadataOf(record))}\n`);
        open.records++;
      }
      if (open.records >= options.shardRecords) close();
    },
    finish() {
      close();
      manifest.complete = true;
      writeFileAtomic(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    manifest,
  };
}
