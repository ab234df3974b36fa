// `evolflow difficulty` and `evolflow mix` read back every output format evolflow writes: Alpaca,
// ShareGPT and OpenAI messages, as JSONL and as Parquet, from a file or an output folder, with one
// summary line (never a line per record) for what they cannot use.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { DATASET_FILE, DATASET_FORMATS, estimateDifficulty, PARQUET_FILE, writeDatasetFiles, type DatasetFormat } from '@evolflow/mixer';
import { boundCommand } from './commands/index.ts';

const difficultyCommand = boundCommand('difficulty');
const mixCommand = boundCommand('mix');
import { readSeedFile } from '@evolflow/stage-seed';
import { datasetRecords, readDatasetRows } from './dataset-rows.ts';

const usage = { promptTokens: 0, completionTokens: 0, calls: 0 };
const seeds: EvolRecord[] = Array.from({ length: 6 }, (_, i) => {
  const id = seedRecordId('seeds.jsonl', i + 1, `Task ${i}`);
  return {
    id,
    seedId: id,
    parentId: null,
    round: 0,
    instruction: `Name a colour number ${i}.`,
    response: `Colour ${i}.`,
    lineage: [],
    checks: [],
    usage,
  };
});
const evolved: EvolRecord[] = seeds.flatMap((s) =>
  [1, 2].map((round): EvolRecord => {
    const id = childRecordId(s.id, round);
    return {
      ...s,
      id,
      parentId: round === 1 ? s.id : childRecordId(s.id, 1),
      round,
      strategy: round === 1 ? 'deepening' : 'add-constraints',
      instruction: `${s.instruction} Explain why, step by step, and compare two options.`.repeat(round),
      scores: { estimate: round + 2 },
      lineage: [
        { id: childRecordId(s.id, 1), round: 1, strategy: 'deepening' },
        ...(round === 2 ? [{ id, round: 2, strategy: 'add-constraints' }] : []),
      ],
    };
  }),
);
/** The dataset order: batches of 6 (2 replayed seeds, 4 evolved). */
const records: EvolRecord[] = [
  ...seeds.map((r, i) => ({ ...r, batch: { index: Math.floor(i / 2), position: i % 2, size: 6, replay: true, repeated: false } })),
  ...evolved.map((r, i) => ({ ...r, batch: { index: Math.floor(i / 4), position: 2 + (i % 4), size: 6, replay: false, repeated: false } })),
];

function dataset(format: DatasetFormat, metadata: 'field' | 'none'): string {
  const dir = mkdtempSync(join(tmpdir(), `rows-${format}-`));
  writeDatasetFiles(records, { outDir: dir, format, metadata, parquet: true, datasetName: 'evol' });
  return dir;
}

const capture = (stream: NodeJS.WriteStream) => {
  const out: string[] = [];
  vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  return out;
};
afterEach(() => vi.restoreAllMocks());

describe('dataset rows of every output format', () => {
  for (const format of DATASET_FORMATS) {
    it(`${format}: the JSONL and the Parquet file give the same records back, metadata included`, async () => {
      const dir = dataset(format, 'field');
      const fromJsonl = datasetRecords(await readDatasetRows(join(dir, DATASET_FILE)), DATASET_FILE);
      const fromParquet = datasetRecords(await readDatasetRows(join(dir, PARQUET_FILE)), PARQUET_FILE);
      for (const got of [fromJsonl, fromParquet]) {
        expect(got.seeds.map((r) => [r.id, r.round, r.instruction, r.response])).toEqual(
          seeds.map((r) => [r.id, 0, r.instruction, r.response]),
        );
        expect(got.evolved.map((r) => [r.id, r.seedId, r.round, r.strategy, r.instruction, r.response, r.scores])).toEqual(
          evolved.map((r) => [r.id, r.seedId, r.round, r.strategy, r.instruction, r.response, r.scores]),
        );
        expect(got.evolved.map((r) => r.lineage.map((l) => l.strategy))).toEqual(evolved.map((r) => r.lineage.map((l) => l.strategy)));
        expect(got.withoutMetadata).toBe(0);
        expect(got.unreadable).toEqual([]);
      }
    });
  }
});

describe('seed files', () => {
  it('take a Parquet dataset of every format as seeds, row by row', async () => {
    for (const format of DATASET_FORMATS) {
      const file = join(dataset(format, 'field'), PARQUET_FILE);
      const items = [];
      for await (const item of readSeedFile(file)) items.push(item);
      expect(items.map((i) => i.kind)).toEqual(records.map(() => 'seed'));
      expect(items.map((i) => [i.record.instruction, i.record.response, i.record.source?.line])).toEqual(
        records.map((r, n) => [r.instruction, r.response, n + 1]),
      );
    }
  });
});

describe('evolflow difficulty on its own outputs', () => {
  it('scores every row of every format, JSONL, Parquet or the folder, as it scores the instruction', async () => {
    const want = records.map((r) => `${estimateDifficulty(r.instruction, { round: r.round })}\n`).join('');
    for (const format of DATASET_FORMATS) {
      const dir = dataset(format, 'field');
      for (const input of [dir, join(dir, DATASET_FILE), join(dir, PARQUET_FILE)]) {
        const errors = capture(process.stderr);
        const printed = capture(process.stdout);
        expect(await difficultyCommand.run(['--in', input, '--use-round']), input).toBe(0);
        expect(printed.join(''), `${format} ${input}`).toBe(want);
        expect(errors, `${format} ${input}`).toEqual([]);
        vi.restoreAllMocks();
      }
    }
  });

  it('names the rows without text in one line, and fails when no row has any', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rows-missing-'));
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, ['{"instruction":"Say hi."}', ...Array.from({ length: 7 }, (_, i) => `{"other":${i}}`)].join('\n'));
    const errors = capture(process.stderr);
    capture(process.stdout);
    expect(await difficultyCommand.run(['--in', file])).toBe(0);
    expect(errors).toEqual([
      `difficulty: 7 of 8 lines of ${file} have no text in field "instruction" (lines 2, 3, 4, 5, 6 and 2 more); they print an empty line\n`,
    ]);
    writeFileSync(file, '{"other":1}\n{"other":2}\n');
    await expect(difficultyCommand.run(['--in', file])).rejects.toThrow(
      `difficulty: no line of ${file} has text in field "instruction"; name the field that holds the text with --field`,
    );
  });
});

describe('evolflow mix from a dataset', () => {
  it('re-mixes an output folder of another format, seeds and rounds from the metadata', async () => {
    const from = dataset('sharegpt', 'field');
    const out = mkdtempSync(join(tmpdir(), 'rows-remix-'));
    const printed = capture(process.stdout);
    const errors = capture(process.stderr);
    expect(
      await mixCommand.run([
        '--in',
        from,
        '--out',
        out,
        '--format',
        'alpaca',
        '--metadata',
        'field',
        '--replay-share',
        '0.5',
        '--batch-size',
        '4',
      ]),
    ).toBe(0);
    expect(errors).toEqual([]);
    expect(printed.join('')).toContain(`wrote ${join(out, DATASET_FILE)} (alpaca)`);
    const rows = readFileSync(join(out, DATASET_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { instruction: string; metadata: { replay: boolean; round: number } });
    // 12 evolved records; 0.5 replay share in batches of 4: 12 seeds drawn from the 6 (6 repeats).
    expect(
      rows
        .filter((r) => !r.metadata.replay)
        .map((r) => r.instruction)
        .sort(),
    ).toEqual(evolved.map((r) => r.instruction).sort());
    expect(rows.filter((r) => r.metadata.replay)).toHaveLength(12);
    expect(new Set(rows.filter((r) => r.metadata.replay).map((r) => r.instruction))).toEqual(new Set(seeds.map((r) => r.instruction)));
  });

  it('says once that rows without metadata are taken as evolved records', async () => {
    const from = dataset('openai', 'none');
    const out = mkdtempSync(join(tmpdir(), 'rows-remix-'));
    capture(process.stdout);
    const errors = capture(process.stderr);
    expect(await mixCommand.run(['--in', join(from, PARQUET_FILE), '--out', out, '--format', 'alpaca'])).toBe(0);
    expect(errors).toEqual([
      `mix: 18 rows of ${join(from, PARQUET_FILE)} carry no metadata: taken as evolved records of round 1, so no seed is replayed (write datasets with --metadata field to re-mix them with their rounds and seeds)\n`,
    ]);
    expect(readFileSync(join(out, DATASET_FILE), 'utf8').trim().split('\n')).toHaveLength(18);
  });
});
