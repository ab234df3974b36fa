// `evolflow mix --in RUN_DIR --out DIR`: re-mix a finished run's kept evolutions and seeds into a
// new dataset (other replay share, batch size, order or format) without calling any LLM.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeRecord, EvolflowError, loadConfig, type EvolRecord, type Logger } from '@evolflow/core';
import { createMixStage } from '@evolflow/stage-mix';
import { parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: evolflow mix --in RUN_DIR --out DIR [--replay-share R | --seeds-per-batch N] [--batch-size B]
                    [--order curriculum|shuffle] [--stratify] [--format alpaca|sharegpt|openai]
                    [--metadata none|field|file] [--no-parquet] [--seed N]
                    [--decontaminate FILE]... [--decontaminate-tests ngram,embedding] [--config FILE]

Reads RUN_DIR/kept.jsonl (the kept evolutions) and RUN_DIR/seeds.jsonl (the round-0 seeds) written by
'evolflow run', and writes a new mix into DIR: dataset.jsonl in the chosen format, dataset.parquet,
dataset_info.json (LLaMA-Factory), README.md (the dataset card), shards/ and manifest.json.
No LLM is called. Flags override the config's mix section (and run.format, run.seed).

  --replay-share R         share of every batch that is replayed original seeds (mix.replayShare)
  --seeds-per-batch N      replayed seeds in every batch, instead of a share (mix.replayCount; the old
                           name --replay-count is still accepted and means the same: seeds per batch)
  --decontaminate FILE     an evaluation set (JSONL or one item per line); repeat for more. Seeds and
                           evolved records that copy or paraphrase an item are left out and listed,
                           with the item they matched, in DIR/contaminated.jsonl
  --decontaminate-tests L  which tests run, comma-separated: ngram (mix.decontaminate.threshold) and/or
                           embedding (mix.decontaminate.embeddingThreshold); default: the config's
                           mix.decontaminate.tests (built-in: ngram)`;

function readRecords(file: string): EvolRecord[] {
  if (!existsSync(file)) throw new EvolflowError('input', `mix: ${file} not found; --in must be a run folder written by 'evolflow run' (kept.jsonl and seeds.jsonl)`);
  const out: EvolRecord[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
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

export const mixCommand: Command = {
  name: 'mix',
  summary: "re-mix a run's kept evolutions and seeds into a new dataset (no LLM calls)",
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      in: { type: 'string' }, out: { type: 'string' }, 'replay-share': { type: 'string' }, 'seeds-per-batch': { type: 'string' }, 'replay-count': { type: 'string' },
      'batch-size': { type: 'string' }, order: { type: 'string' }, stratify: { type: 'boolean' }, format: { type: 'string' },
      metadata: { type: 'string' }, 'no-parquet': { type: 'boolean' }, seed: { type: 'string' }, decontaminate: { type: 'string', multiple: true },
      'decontaminate-tests': { type: 'string' }, config: { type: 'string' },
    });
    if (values.in === undefined || values.out === undefined) {
      process.stderr.write(`evolflow mix: --in and --out are required\n\n${USAGE}\n`);
      return 2;
    }
    const mix: Record<string, unknown> = {};
    const run: Record<string, unknown> = {};
    if (values['replay-share'] !== undefined) mix.replayShare = number('replay-share', values['replay-share']);
    if (values['seeds-per-batch'] !== undefined && values['replay-count'] !== undefined) {
      throw new EvolflowError('config', 'mix: --seeds-per-batch and --replay-count are the same setting (seeds per batch); give one');
    }
    const perBatch = values['seeds-per-batch'] ?? values['replay-count'];
    if (perBatch !== undefined) mix.replayCount = number(values['seeds-per-batch'] !== undefined ? 'seeds-per-batch' : 'replay-count', perBatch);
    if (values['batch-size'] !== undefined) mix.batchSize = number('batch-size', values['batch-size']);
    if (values.order !== undefined) mix.order = values.order;
    if (values.stratify) mix.stratify = true;
    if (values.metadata !== undefined) mix.metadata = values.metadata;
    if (values['no-parquet']) mix.parquet = false;
    const decontaminate: Record<string, unknown> = {};
    if (values.decontaminate !== undefined) decontaminate.sets = values.decontaminate.map((f) => resolve(f));
    if (values['decontaminate-tests'] !== undefined) decontaminate.tests = values['decontaminate-tests'].split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (Object.keys(decontaminate).length > 0) mix.decontaminate = decontaminate;
    if (values.format !== undefined) run.format = values.format;
    if (values.seed !== undefined) run.seed = number('seed', values.seed);
    // A re-mix is a finite job: continuous mode would only change how batches leave.
    mix.continuous = false;
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: { mix, run } });

    const inDir = resolve(values.in);
    const kept = readRecords(join(inDir, 'kept.jsonl'));
    const seeds = readRecords(join(inDir, 'seeds.jsonl'));
    const stage = await createMixStage({ config, outDir: resolve(values.out), logger: quietLogger() });
    try {
      for (const seed of seeds) await stage.handle(seed, undefined, 'replay');
      for (const record of kept) await stage.handle(record, undefined, 'unique');
      const emits = (await stage.flush?.(undefined)) ?? [];
      // Late drops (evolutions of a seed found contaminated) come back as rejected records.
      const curriculum = emits.filter((e) => e.topic === 'curriculum');
      const replayed = curriculum.filter((e) => e.record.batch?.replay).length;
      const batches = new Set(curriculum.map((e) => e.record.batch?.index)).size;
      const share = curriculum.length === 0 ? 0 : replayed / curriculum.length;
      const s = stage.stats;
      process.stdout.write(
        `mixed ${curriculum.length} records (${curriculum.length - replayed} evolved, ${replayed} replayed seeds, share ${share.toFixed(4)}) ` +
          `in ${batches} batches; left out: ` +
          `${s.contaminated} contaminated (${s.contaminatedSeeds} seeds, ${s.contaminated - s.contaminatedSeeds} evolved${s.contaminated > 0 ? '; see contaminated.jsonl' : ''}), ` +
          `${s.withoutResponse} without a response (${s.withoutResponseSeeds} seeds, ${s.withoutResponse - s.withoutResponseSeeds} evolved)\n` +
          `wrote ${resolve(values.out)}/dataset.jsonl (${config.run.format})\n`,
      );
    } finally {
      await stage.close();
    }
    return 0;
  },
};
