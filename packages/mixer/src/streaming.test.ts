// The streamed writers: files written through a small buffer, piece by piece, are byte-identical to
// the whole-string writes they replaced, appear only when complete, and the Parquet file is written
// in row groups from an iterable that is never held whole.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { EvolRecord } from '@evolflow/core';
import { openAtomicWriter } from './atomic.ts';
import { parquetBytes, writeDatasetFiles } from './dataset-files.ts';
import { formatLine } from './formats.ts';
import { evolvedFrom, selfInstructSeeds } from './test-records.ts';

const records = evolvedFrom(selfInstructSeeds(), 2);

describe('openAtomicWriter', () => {
  it('writes through a 64-byte buffer the same bytes and sha256 as one string, visible only once committed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, 'old\n');
    const lines = records.map((r) => `${JSON.stringify(r)}\n`);
    const w = openAtomicWriter(file, { highWaterMark: 64, hash: true });
    for (const line of lines) w.write(line);
    // Not committed yet: the target still holds the old content; the new one is in a temporary file.
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toHaveLength(1);
    const whole = lines.join('');
    expect(w.bytes).toBe(Buffer.byteLength(whole));
    expect(w.digest()).toBe(createHash('sha256').update(whole).digest('hex'));
    w.commit();
    expect(readFileSync(file, 'utf8')).toBe(whole);
    expect(readdirSync(dir)).toEqual(['out.jsonl']);
    expect(() => w.write('x')).toThrow(/after the write of .*out\.jsonl was committed/);
  });

  it('leaves the target as it was when aborted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, 'old\n');
    const w = openAtomicWriter(file, { highWaterMark: 16 });
    w.write('a line longer than the sixteen-byte buffer\n');
    w.abort();
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['out.jsonl']);
  });
});

describe('writeDatasetFiles, streamed', () => {
  it('takes a generator, writes the JSONL line by line and the Parquet file in row groups of 100', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-ds-'));
    let pulled = 0;
    function* lazily(): Generator<EvolRecord> {
      for (const r of records) {
        pulled++;
        yield r;
      }
    }
    const files = writeDatasetFiles(lazily(), {
      outDir: dir,
      format: 'alpaca',
      metadata: 'file',
      parquet: true,
      datasetName: 'evol',
      rowGroupRows: 100,
      highWaterMark: 128,
    });
    expect(pulled).toBe(records.length);
    expect(files).toEqual([
      'data/jsonl/train-00000-of-00001.jsonl',
      'metadata.jsonl',
      'data/parquet/train-00000-of-00001.parquet',
      'dataset_info.json',
    ]);
    const expected = records.map((r) => `${formatLine(r, { format: 'alpaca', metadataField: false })}\n`).join('');
    expect(readFileSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8')).toBe(expected);
    expect(readFileSync(join(dir, 'metadata.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(records.length);
    // Read back by an independent reader (DuckDB): every row, in row groups of 100, the same rows as
    // the one-buffer writer's.
    const wholeFile = join(dir, 'whole.parquet');
    writeFileSync(wholeFile, parquetBytes(records, { format: 'alpaca', metadata: 'file' }));
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const query = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    const file = join(dir, 'data/parquet/train-00000-of-00001.parquet');
    expect(
      await query(
        `SELECT count(DISTINCT row_group_id)::INTEGER AS groups, max(row_group_num_rows)::INTEGER AS most FROM parquet_metadata('${file}')`,
      ),
    ).toEqual([{ groups: Math.ceil(records.length / 100), most: 100 }]);
    const rows = await query(`SELECT instruction, input, output FROM read_parquet('${file}')`);
    expect(rows.map((r) => r.instruction)).toEqual(records.map((r) => r.instruction));
    expect(rows).toEqual(await query(`SELECT instruction, input, output FROM read_parquet('${wholeFile}')`));
    rmSync(wholeFile);
    expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('leaves no file half-written when a record fails to format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stream-ds-'));
    function* failing(): Generator<EvolRecord> {
      yield records[0] as EvolRecord;
      throw new Error('source failed');
    }
    expect(() =>
      writeDatasetFiles(failing(), { outDir: dir, format: 'alpaca', metadata: 'none', parquet: true, datasetName: 'evol' }),
    ).toThrow(/source failed/);
    expect(existsSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'))).toBe(false);
    // No file at all (the empty data/ folders the writers opened may stay).
    expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('data') || /\.\w+$/.test(f))).toEqual([]);
  });
});
