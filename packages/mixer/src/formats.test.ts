import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { planBatches } from './batching.ts';
import { parquetBytes, writeDatasetFiles } from './dataset-files.ts';
import { DATASET_FORMATS, datasetInfoEntry, formatSchemas, toRow } from './formats.ts';
import { evolvedFrom, selfInstructSeeds } from './test-records.ts';

const seeds = selfInstructSeeds();
const records = planBatches({
  evolved: evolvedFrom(seeds, 2),
  seeds,
  options: { replayShare: 0.2, replayCount: 0, batchSize: 32, order: 'curriculum', stratify: false, seed: 1 },
}).flatMap((b) => b.records);
const ajv = new Ajv2020({ allErrors: true, strict: false });

describe('dataset formats', () => {
  it('every line of every format matches its published structure', () => {
    expect(records.length).toBe(437); // 350 evolved + 87 replayed seeds
    const withInput = records.filter((r) => r.input);
    expect(withInput.length).toBeGreaterThan(50);
    for (const format of DATASET_FORMATS) {
      const dir = mkdtempSync(join(tmpdir(), `mix-${format}-`));
      for (const metadata of ['none', 'field'] as const) {
        writeDatasetFiles(records, { outDir: dir, format, metadata, parquet: false, datasetName: 'evolflow' });
        const check = ajv.compile(formatSchemas[format]);
        const lines = readFileSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8').split('\n');
        expect(lines.pop()).toBe('');
        expect(lines.length).toBe(records.length);
        for (const line of lines) expect(check(JSON.parse(line)), JSON.stringify(check.errors)).toBe(true);
      }
    }
  });

  it('puts the Alpaca input after the instruction in the chat formats', () => {
    const r = records.find((x) => x.input) ?? records[0];
    if (!r) throw new Error('no records');
    expect(toRow(r, 'alpaca')).toEqual({ instruction: r.instruction, input: r.input, output: r.response });
    expect(toRow(r, 'sharegpt')).toEqual({
      conversations: [
        { from: 'human', value: `${r.instruction}\n\n${r.input}` },
        { from: 'gpt', value: r.response },
      ],
    });
    expect(toRow(r, 'openai')).toEqual({
      messages: [
        { role: 'user', content: `${r.instruction}\n\n${r.input}` },
        { role: 'assistant', content: r.response },
      ],
    });
  });

  it('rejects rows that break the published structure', () => {
    expect(ajv.validate(formatSchemas.alpaca, { instruction: 'x', output: 'y' })).toBe(false);
    expect(
      ajv.validate(formatSchemas.sharegpt, {
        conversations: [
          { from: 'gpt', value: 'a' },
          { from: 'human', value: 'b' },
        ],
      }),
    ).toBe(false);
    expect(
      ajv.validate(formatSchemas.openai, {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      }),
    ).toBe(false);
  });

  it('writes a dataset_info.json entry LLaMA-Factory reads for each format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mix-info-'));
    writeDatasetFiles(records.slice(0, 3), { outDir: dir, format: 'openai', metadata: 'file', parquet: true, datasetName: 'evol' });
    const info = JSON.parse(readFileSync(join(dir, 'dataset_info.json'), 'utf8'));
    expect(info).toEqual({
      evol: datasetInfoEntry('openai', 'data/jsonl/train-00000-of-00001.jsonl'),
      evol_parquet: datasetInfoEntry('openai', 'data/parquet/train-00000-of-00001.parquet'),
    });
    expect(info.evol).toEqual({
      file_name: 'data/jsonl/train-00000-of-00001.jsonl',
      formatting: 'sharegpt',
      columns: { messages: 'messages' },
      tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
    });
    expect(datasetInfoEntry('alpaca', 'd.jsonl')).toEqual({
      file_name: 'd.jsonl',
      formatting: 'alpaca',
      columns: { prompt: 'instruction', query: 'input', response: 'output' },
    });
    expect(datasetInfoEntry('sharegpt', 'd.jsonl')).toMatchObject({ formatting: 'sharegpt', columns: { messages: 'conversations' } });
    expect(
      readFileSync(join(dir, 'metadata.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(records.slice(0, 3).map((r) => r.id));
  });
});

describe('Parquet', () => {
  it('is read back by an independent reader (DuckDB) with the same content as the JSONL', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      for (const format of DATASET_FORMATS) {
        const dir = mkdtempSync(join(tmpdir(), `mix-pq-${format}-`));
        writeDatasetFiles(records, { outDir: dir, format, metadata: 'field', parquet: true, datasetName: 'evolflow' });
        const jsonl = readFileSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const result = await conn.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, 'data/parquet/train-00000-of-00001.parquet')}')`);
        const rows = result.getRowObjectsJson() as Record<string, unknown>[];
        expect(rows.length).toBe(jsonl.length);
        rows.forEach((row, i) => {
          const { metadata, ...rest } = row;
          const expected = { ...(jsonl[i] as Record<string, unknown>) };
          const expectedMeta = expected.metadata;
          delete expected.metadata;
          expect(rest).toEqual(expected);
          // DuckDB hands a JSON column to getRowObjectsJson as its JSON text.
          let meta: unknown = metadata;
          while (typeof meta === 'string') meta = JSON.parse(meta);
          expect(meta).toEqual(expectedMeta);
        });
      }
    } finally {
      conn.closeSync();
    }
  });

  it('writes an empty dataset as a valid file', async () => {
    const bytes = parquetBytes([], { format: 'sharegpt', metadata: 'none' });
    const dir = mkdtempSync(join(tmpdir(), 'mix-pq-empty-'));
    const file = join(dir, 'empty.parquet');
    (await import('node:fs')).writeFileSync(file, bytes);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const result = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}')`);
    expect(result.getRowObjectsJson()).toEqual([{ n: 0 }]);
    conn.closeSync();
  });
});
