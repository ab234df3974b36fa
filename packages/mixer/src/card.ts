// The dataset card (`README.md` beside the data): a YAML header the Hugging Face Hub and
// `load_dataset(DIR)` read (`configs:` naming the data files, licence, task, size), what is in the
// dataset (counts per round and per strategy, the replay share, decontamination), how it was made
// (models and settings, never a local path), where the seeds came from and under which licence, and
// how to train on it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EvolRecord } from '@evolflow/core';
import { DATASET_FILE, PARQUET_FILE } from './dataset-files.ts';
import { datasetInfoEntry, type DatasetFormat } from './formats.ts';

/** Counts the card reports. */
export interface MixSummary {
  records: number;
  evolved: number;
  replayed: number;
  /** Replayed seeds drawn again after the buffer was used up. */
  repeated: number;
  /** Seeds offered to the replay buffer. */
  seedsAvailable: number;
  batches: number;
  /** replayed / records. */
  replayShare: number;
  byRound: Record<string, number>;
  byStrategy: Record<string, number>;
  /** Records dropped as copies or paraphrases of evaluation items (seeds included). */
  contaminated: number;
  /** Of those, seeds. */
  contaminatedSeeds: number;
  /** Records left out because they had no response to train on. */
  withoutResponse: number;
  /** Of those, seeds. */
  withoutResponseSeeds: number;
}

/** What the mixer left out, for `summarize`. */
export interface LeftOut {
  seedsAvailable: number;
  contaminated: number;
  contaminatedSeeds?: number;
  withoutResponse: number;
  withoutResponseSeeds?: number;
}

/** Count a mixed dataset (records carrying `batch`). */
export function summarize(records: readonly EvolRecord[], extra: LeftOut): MixSummary {
  const byRound: Record<string, number> = {};
  const byStrategy: Record<string, number> = {};
  let replayed = 0;
  let repeated = 0;
  const batches = new Set<number>();
  for (const r of records) {
    byRound[String(r.round)] = (byRound[String(r.round)] ?? 0) + 1;
    const strategy = r.batch?.replay ? 'seed (replayed)' : (r.strategy ?? 'unknown');
    byStrategy[strategy] = (byStrategy[strategy] ?? 0) + 1;
    if (r.batch?.replay) replayed++;
    if (r.batch?.repeated) repeated++;
    if (r.batch) batches.add(r.batch.index);
  }
  return {
    records: records.length,
    evolved: records.length - replayed,
    replayed,
    repeated,
    seedsAvailable: extra.seedsAvailable,
    batches: batches.size,
    replayShare: records.length === 0 ? 0 : Math.round((replayed / records.length) * 10_000) / 10_000,
    byRound,
    byStrategy,
    contaminated: extra.contaminated,
    contaminatedSeeds: extra.contaminatedSeeds ?? 0,
    withoutResponse: extra.withoutResponse,
    withoutResponseSeeds: extra.withoutResponseSeeds ?? 0,
  };
}

/** An SPDX id for a licence text we recognise, else null. */
function spdxOf(text: string): string | null {
  if (/Apache License/i.test(text) && /Version 2\.0/.test(text)) return 'Apache-2.0';
  if (/Permission is hereby granted, free of charge/i.test(text)) return 'MIT';
  if (/Attribution-ShareAlike 4\.0/i.test(text)) return 'CC-BY-SA-4.0';
  if (/Attribution-NonCommercial 4\.0/i.test(text)) return 'CC-BY-NC-4.0';
  if (/Attribution 4\.0 International/i.test(text)) return 'CC-BY-4.0';
  if (/Redistribution and use in source and binary forms/i.test(text)) return 'BSD';
  return null;
}

/**
 * The licence of the seed files: for each seed file, a LICENSE file beside it (`<prefix>-LICENSE`
 * whose prefix starts the seed file's name, else `LICENSE*`), recognised as an SPDX id when
 * possible. Returns one entry per seed file.
 */
export function detectSeedLicenses(seedFiles: readonly string[]): { file: string; license: string; licenseFile?: string }[] {
  return [...new Set(seedFiles)].sort().map((file) => {
    const dir = dirname(file);
    let candidates: string[] = [];
    try {
      candidates = existsSync(dir) ? readdirSync(dir).filter((f) => /licen[cs]e/i.test(f)) : [];
    } catch {
      candidates = [];
    }
    const base = basename(file).toLowerCase();
    const prefixed = candidates.filter((c) => {
      const prefix = c.toLowerCase().replace(/[-_.]?licen[cs]e.*$/, '');
      return prefix !== '' && base.startsWith(prefix);
    });
    const plain = candidates.filter((c) => /^licen[cs]e(\.\w+)?$/i.test(c));
    const chosen = prefixed.sort((a, b) => b.length - a.length)[0] ?? plain[0];
    if (!chosen) return { file, license: 'unknown' };
    let text = '';
    try {
      text = readFileSync(join(dir, chosen), 'utf8');
    } catch {
      text = '';
    }
    return { file, license: spdxOf(text) ?? `see ${chosen}`, licenseFile: join(dir, chosen) };
  });
}

export interface CardOptions {
  name: string;
  format: DatasetFormat;
  summary: MixSummary;
  /** Configured replay share (or count per batch). */
  replay: { share: number; count: number };
  batchSize: number;
  order: 'curriculum' | 'shuffle';
  stratify: boolean;
  /** `mix.seedLicense` when set; else detected from the seed files. */
  seedLicense: string;
  /** The seed files and their licences; the card names them by file name only. */
  seedSources: { file: string; license: string; licenseFile?: string }[];
  /**
   * The tests that ran (their method lines, thresholds included), the evaluation sets by file name
   * and size (never a path: the card travels with the data), and the file listing every drop.
   */
  decontamination: { methods: readonly string[]; sets: readonly { set: string; items: number }[]; file: string } | null;
  files: readonly string[];
  /** How the data was made, for the card's provenance section (no URL, key or path goes here). */
  provenance?: CardProvenance;
}

/** How a dataset was made: the endpoint kind, the model of each role, rounds and strategies. */
export interface CardProvenance {
  /** `sim` (the evolflow simulator: simulated data), `openai` (an OpenAI-compatible endpoint) or `local`. */
  provider: string;
  /** Model name per role (evolver, responder, judge). */
  models: Readonly<Record<string, string>>;
  rounds: number;
  strategies: readonly string[];
  /** `run.seed`. */
  seed: number;
  /** When the dataset was written (ISO 8601). */
  createdAt?: string;
}

/** Hugging Face's `size_categories` value for `n` rows. */
export function sizeCategory(n: number): string {
  const steps: [number, string][] = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
    [1e9, '100M<n<1B'],
  ];
  return steps.find(([limit]) => n < limit)?.[1] ?? 'n>1B';
}

/**
 * The card's `license` (a Hub licence id) and, when that is `other`, a `license_name` slug: the one
 * licence every seed file has, else `other` with `unknown-seed-licence` (none found) or
 * `mixed-seed-licences` (several).
 */
export function licenseOf(licenses: readonly string[]): { license: string; license_name?: string } {
  const known = licenses.filter((l) => l !== 'unknown');
  const only = licenses.length === 1 ? licenses[0] : undefined;
  if (only !== undefined && only !== 'unknown' && /^[A-Za-z0-9.-]+$/.test(only)) return { license: only.toLowerCase() };
  if (known.length === 0) return { license: 'other', license_name: 'unknown-seed-licence' };
  if (only !== undefined)
    return {
      license: 'other',
      license_name:
        only
          .toLowerCase()
          .replace(/[^a-z0-9.]+/g, '-')
          .replace(/^-+|-+$/g, '') || 'see-card',
    };
  return { license: 'other', license_name: 'mixed-seed-licences' };
}

/**
 * The `configs:` block: the JSONL rows as the default config's train split. One config only:
 * `datasets` picks one builder for a whole folder from its first config's files (4.0 and 5.x alike),
 * so a Parquet config beside a JSONL one fails to load; the Parquet copy is read by path instead.
 */
function configsYaml(): string {
  return `- config_name: default\n  data_files:\n  - split: train\n    path: ${DATASET_FILE.replace(/train-[^/]*$/, 'train-*.jsonl')}`;
}

function provenanceLines(p: CardProvenance | undefined): string {
  if (!p) return '- (not recorded)';
  const endpoint =
    p.provider === 'sim'
      ? '**the evolflow LLM simulator: SIMULATED DATA**, rule-made instructions and answers for testing, not fit for training'
      : p.provider === 'local'
        ? 'a local model served in the run'
        : 'an OpenAI-compatible endpoint';
  const models = Object.entries(p.models)
    .map(([role, model]) => `${role} \`${model}\``)
    .join(', ');
  return [
    `- Generator: evolflow (Evol-Instruct), ${p.rounds} rounds, strategies: ${p.strategies.join(', ')}; seed ${p.seed}`,
    `- LLM: ${endpoint}; models: ${models}`,
    ...(p.createdAt ? [`- Written: ${p.createdAt}`] : []),
  ].join('\n');
}

const table = (head: [string, string], rows: [string, number][]) =>
  [`| ${head[0]} | ${head[1]} |`, '|---|---:|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');

function decontaminationLine(options: CardOptions): string {
  const d = options.decontamination;
  if (!d) return 'none configured';
  const s = options.summary;
  const sets = d.sets.map((x) => `\`${x.set}\` (${x.items} items)`).join(', ');
  return (
    `${s.contaminated} records dropped as copies or paraphrases of evaluation items (${s.contaminatedSeeds} seeds, ${s.contaminated - s.contaminatedSeeds} evolved), ` +
    `each listed with the item it matched in \`${d.file}\`; tests: ${d.methods.join('; ')}; evaluation sets: ${sets}`
  );
}

/** The dataset card text (Hugging Face style front matter, then the facts). */
export function datasetCard(options: CardOptions): string {
  const s = options.summary;
  const licenses = options.seedLicense !== '' ? [options.seedLicense] : [...new Set(options.seedSources.map((x) => x.license))];
  const lic = licenseOf(licenses);
  const info = { [options.name]: datasetInfoEntry(options.format, `${options.name}/${DATASET_FILE}`) };
  const rounds = Object.entries(s.byRound)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, v]): [string, number] => [k === '0' ? '0 (seeds)' : k, v]);
  const strategies = Object.entries(s.byStrategy).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const replayLine =
    options.replay.count > 0
      ? `${options.replay.count} seeds per batch of ${options.batchSize}`
      : `${options.replay.share} of every batch of ${options.batchSize}`;
  const sources =
    options.seedSources.length === 0
      ? '- (no seed file recorded on the seeds)'
      : options.seedSources
          .map((x) => `- \`${basename(x.file)}\`: ${x.license}${x.licenseFile ? ` (\`${basename(x.licenseFile)}\` beside it)` : ''}`)
          .join('\n');
  return `---
configs:
${configsYaml()}
license: ${lic.license}
${lic.license_name ? `license_name: ${lic.license_name}\n` : ''}task_categories:
- text-generation
tags:
- evol-instruct
- sft
- evolflow
size_categories:
- ${sizeCategory(s.records)}
pretty_name: ${JSON.stringify(options.name)}
---

# ${options.name}

Instruction-tuning data made with evolflow, an implementation of Evol-Instruct (WizardLM,
arXiv 2304.12244): seed instructions rewritten by an LLM into harder and more diverse ones over
several rounds, answered, filtered, deduplicated, then mixed with a share of the original seeds so
a model trained on it keeps handling simple requests.

- Format: **${options.format}** (\`${DATASET_FILE}\`, one example per line${options.files.includes(PARQUET_FILE) ? `; the same rows in \`${PARQUET_FILE}\`` : ''})
- Records: **${s.records}** in ${s.batches} batches: ${s.evolved} evolved, ${s.replayed} replayed seeds
- Replay share: **${s.replayShare}** of all records (configured: ${replayLine}); ${s.repeated} replayed seeds are repeats drawn after all ${s.seedsAvailable} seeds had been used
- Order: ${options.order === 'curriculum' ? 'curriculum, batches easy to hard (by difficulty score, then round)' : 'shuffled (seeded)'}${options.stratify ? ', stratified by strategy' : ''}
- Decontamination: ${decontaminationLine(options)}
${s.withoutResponse > 0 ? `- Left out: ${s.withoutResponse} records without a response (${s.withoutResponseSeeds} of them seeds)\n` : ''}
## Records per round

${table(['round', 'records'], rounds)}

## Records per strategy

${table(['strategy', 'records'], strategies)}

## How it was made

${provenanceLines(options.provenance)}

## Seeds and licence

Licence of the seeds: **${licenses.join(', ') || 'unknown'}**. The evolved records derive from these
seeds; check their terms, and the terms of the models that wrote the evolutions and responses,
before you publish or train on this data.

${sources}

## Use

Hugging Face \`datasets\`: \`load_dataset("path/to/this/folder")\` (or the Hub repo id once
published with \`evolflow publish\`) loads the rows of \`data/\`; the run's own files beside it
(kept, rejected, lineage, run.json, shards) are not part of the dataset.${options.files.includes(PARQUET_FILE) ? ` The Parquet copy: \`load_dataset("parquet", data_files="${PARQUET_FILE}")\` from this folder.` : ''}

LLaMA-Factory: copy this folder into your \`dataset_dir\` as \`${options.name}/\`, then MERGE this
entry into the \`dataset_info.json\` already there (do not replace that file: it lists LLaMA-Factory's
own datasets), and train with \`dataset: ${options.name}\`:

\`\`\`json
${JSON.stringify(info, null, 2)}
\`\`\`

Once published, \`"hf_hub_url": "ORG/NAME"\` in place of \`file_name\` reads it from the Hub. The
\`dataset_info.json\` in this folder holds the same entry relative to this folder, for
\`dataset_dir\` pointed here.

## Files

${options.files.map((f) => `- \`${f}\``).join('\n')}
`;
}
