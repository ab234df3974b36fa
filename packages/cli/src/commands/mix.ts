// `evolflow mix --in RUN_DIR --out DIR`: re-mix a finished run's kept evolutions and seeds into a
// new dataset (other replay share, batch size, order or format) without calling any LLM.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeRecord, EvolflowError, loadConfig, type EvolRecord, type Logger } from '@evolflow/core';
import { DATASET_FILE, PARQUET_FILE } from '@evolflow/mixer';
import { createMixStage } from '@evolflow/stage-mix';
import { UsageError, type Args } from '../command.ts';
import { datasetFileOf, datasetRecords, readDatasetRows, someLines } from '../dataset-rows.ts';
import type { MIX_OPTIONS } from './options.ts';

function readRecords(file: string): EvolRecord[] {
  if (!existsSync(file))
    throw new EvolflowError(
      'input',
      `mix: ${file} not found; --in must be a run folder written by 'evolflow run' (kept.jsonl and seeds.jsonl), an output folder (${DATASET_FILE}) or a dataset file (JSONL or Parquet)`,
    );
  const out: EvolRecord[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(decodeRecord(line));
      } catch (cause) {
        throw new EvolflowError('input', `mix: ${file}:${i + 1}: ${(cause as Error).message}`, { cause, details: { file, line: i + 1 } });
      }
    });
  return out;
}

const number = (flag: string, v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvolflowError('config', `mix: --${flag} must be a number, not "${v}"`);
  return n;
};

const quietLogger = (): Logger => ({
  debug() {},
  info() {},
  warn: (msg) => process.stderr.write(`${msg}\n`),
  error: (msg) => process.stderr.write(`${msg}\n`),
});

/** `evolflow mix`: the options are parsed and checked against MIX_OPTIONS already. */
export async function run({ values }: Args<typeof MIX_OPTIONS>): Promise<number> {
  if (values.in === undefined || values.out === undefined) {
    throw new UsageError(`mix: --in and --out are required`);
  }
  const mix: Record<string, unknown> = {};
  const run: Record<string, unknown> = {};
  if (values['replay-share'] !== undefined) mix.replayShare = number('replay-share', values['replay-share']);
  if (values['seeds-per-batch'] !== undefined && values['replay-count'] !== undefined) {
    throw new EvolflowError('config', 'mix: --seeds-per-batch and --replay-count are the same setting (seeds per batch); give one');
  }
  const perBatch = values['seeds-per-batch'] ?? values['replay-count'];
  if (perBatch !== undefined)
    mix.replayCount = number(values['seeds-per-batch'] !== undefined ? 'seeds-per-batch' : 'replay-count', perBatch);
  if (values['batch-size'] !== undefined) mix.batchSize = number('batch-size', values['batch-size']);
  if (values.order !== undefined) mix.order = values.order;
  if (values.stratify) mix.stratify = true;
  if (values.metadata !== undefined) mix.metadata = values.metadata;
  if (values['no-parquet']) mix.parquet = false;
  const decontaminate: Record<string, unknown> = {};
  if (values.decontaminate !== undefined) decontaminate.sets = values.decontaminate.map((f) => resolve(f));
  if (values['decontaminate-tests'] !== undefined)
    decontaminate.tests = values['decontaminate-tests']
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  if (Object.keys(decontaminate).length > 0) mix.decontaminate = decontaminate;
  if (values.format !== undefined) run.format = values.format;
  if (values.seed !== undefined) run.seed = number('seed', values.seed);
  // A re-mix is a finite job: continuous mode would only change how batches leave.
  mix.continuous = false;
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: { mix, run } });

  const inDir = resolve(values.in);
  let kept: EvolRecord[];
  let seeds: EvolRecord[];
  const isDataset =
    existsSync(inDir) &&
    !existsSync(join(inDir, 'kept.jsonl')) &&
    (statSync(inDir).isFile() || existsSync(join(inDir, DATASET_FILE)) || existsSync(join(inDir, PARQUET_FILE)));
  if (!isDataset) {
    kept = readRecords(join(inDir, 'kept.jsonl'));
    seeds = readRecords(join(inDir, 'seeds.jsonl'));
  } else {
    // A dataset evolflow wrote (any format, JSONL or Parquet, a file or an output folder): its rows,
    // with their rounds and seeds when they carry the metadata.
    const file = datasetFileOf(inDir);
    const got = datasetRecords(await readDatasetRows(file), file);
    if (got.unreadable.length > 0) {
      throw new EvolflowError(
        'input',
        `mix: ${got.unreadable.length} lines of ${file} hold no instruction in any format evolflow reads (lines ${someLines(got.unreadable)}); --in takes a run folder, an output folder or a dataset file`,
      );
    }
    if (got.withoutMetadata > 0) {
      process.stderr.write(
        `mix: ${got.withoutMetadata} rows of ${file} carry no metadata: taken as evolved records of round 1, so no seed is replayed (write datasets with --metadata field to re-mix them with their rounds and seeds)\n`,
      );
    }
    kept = got.evolved;
    seeds = got.seeds;
  }
  const stage = await createMixStage({ config, outDir: resolve(values.out), logger: quietLogger() });
  try {
    for (const seed of seeds) await stage.handle(seed, undefined, 'replay');
    for (const record of kept) await stage.handle(record, undefined, 'unique');
    // Counted as they are read (the dataset is written already; the records are not kept).
    // Late drops (evolutions of a seed found contaminated) come back as rejected records.
    let mixed = 0;
    let replayed = 0;
    const batchIndexes = new Set<number | undefined>();
    for (const e of (await stage.flush?.(undefined)) ?? []) {
      if (e.topic !== 'curriculum') continue;
      mixed++;
      if (e.record.batch?.replay) replayed++;
      batchIndexes.add(e.record.batch?.index);
    }
    const batches = batchIndexes.size;
    const share = mixed === 0 ? 0 : replayed / mixed;
    const s = stage.stats;
    process.stdout.write(
      `mixed ${mixed} records (${mixed - replayed} evolved, ${replayed} replayed seeds, share ${share.toFixed(4)}) ` +
        `in ${batches} batches; left out: ` +
        `${s.contaminated} contaminated (${s.contaminatedSeeds} seeds, ${s.contaminated - s.contaminatedSeeds} evolved${s.contaminated > 0 ? '; see contaminated.jsonl' : ''}), ` +
        `${s.withoutResponse} without a response (${s.withoutResponseSeeds} seeds, ${s.withoutResponse - s.withoutResponseSeeds} evolved)\n` +
        `wrote ${join(resolve(values.out), DATASET_FILE)} (${config.run.format})\n`,
    );
  } finally {
    await stage.close();
  }
  return 0;
}
