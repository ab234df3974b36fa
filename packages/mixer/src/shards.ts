// Rotating shard files and their manifest. Batches are appended to the open shard; when it holds
// `shardRecords` records (batches are never split) it is written atomically and listed in
// `manifest.json` with its record count and sha256. A restarted mixer that recomputes the same
// batches rewrites nothing already listed: it checks the checksum and goes on.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { writeFileAtomic } from './atomic.ts';
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
    throw new EvolflowError('input', `${file} is not valid JSON (${(cause as Error).message}); it is written atomically, so something else changed it: move it away to start the shards again`, { cause });
  }
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

/**
 * A shard writer over `outDir`. When a manifest is there already (a restart), shards it lists are
 * not written again: the recomputed content must match their checksum, or the writer fails.
 */
export function createShardWriter(options: ShardWriterOptions): ShardWriter {
  const previous = readManifest(options.outDir);
  const manifest: ShardManifest = { version: 1, format: options.format, shards: [], records: 0, batches: 0, complete: false };
  let lines: string[] = [];
  let metaLines: string[] = [];
  let first = -1;
  let last = -1;

  const close = () => {
    if (lines.length === 0) return;
    const n = manifest.shards.length;
    const name = `shards/part-${String(n).padStart(5, '0')}.jsonl`;
    const content = `${lines.join('\n')}\n`;
    const entry: ShardEntry = { file: name, records: lines.length, batches: [first, last], sha256: sha256(content), bytes: Buffer.byteLength(content) };
    if (options.metadata === 'file') entry.metadataFile = name.replace(/\.jsonl$/, '.metadata.jsonl');
    const known = previous?.shards[n];
    if (known && existsSync(join(options.outDir, known.file))) {
      if (known.sha256 !== entry.sha256) {
        throw new EvolflowError('internal', `shard ${known.file} in ${options.outDir} differs from the recomputed batches (sha256 ${known.sha256} vs ${entry.sha256}); the mixer's state folder and its shards disagree: remove both to start again`);
      }
    } else {
      if (entry.metadataFile) writeFileAtomic(join(options.outDir, entry.metadataFile), `${metaLines.join('\n')}\n`);
      writeFileAtomic(join(options.outDir, name), content);
    }
    manifest.shards.push(entry);
    manifest.records += entry.records;
    manifest.batches = last + 1;
    if (!known) writeFileAtomic(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    lines = [];
    metaLines = [];
    first = -1;
  };

  return {
    add(batch) {
      if (first < 0) first = batch.index;
      last = batch.index;
      for (const record of batch.records) {
        lines.push(formatLine(record, { format: options.format, metadataField: options.metadata === 'field' }));
        if (options.metadata === 'file') metaLines.push(JSON.stringify(metadataOf(record)));
      }
      if (lines.length >= options.shardRecords) close();
    },
    finish() {
      close();
      manifest.complete = true;
      writeFileAtomic(join(options.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    manifest,
  };
}
