// `evolflow publish DIR --repo ORG/NAME [--token-env HF_TOKEN] [--private]`: push a run's dataset to
// the Hugging Face Hub with its maintained JavaScript client (@huggingface/hub): the card
// (README.md), the rows under data/ and dataset_info.json. The run's own files (kept, rejected,
// lineage, run.json, shards, metrics, report) stay local: they are the run's record, not the dataset.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { createRepo, uploadFiles } from '@huggingface/hub';
import { EvolflowError } from '@evolflow/core';
import { DATA_DIR, DATASET_INFO_FILE } from '@evolflow/mixer';
import { UsageError, type Args } from '../command.ts';
import type { PUBLISH_OPTIONS } from './options.ts';

export interface PublishOptions {
  /** `ORG/NAME` (or `NAME` under the token's user) of the dataset repo. */
  repo: string;
  accessToken: string;
  private: boolean;
  /** The Hub (default https://huggingface.co). */
  hubUrl?: string;
  /** The HTTP client (default global fetch); tests record the requests with their own. */
  fetch?: typeof fetch;
}

/** The files of `dir` that make the dataset: README.md, dataset_info.json and everything under data/. */
export function datasetFiles(dir: string): string[] {
  const root = resolve(dir);
  const card = join(root, 'README.md');
  const data = join(root, DATA_DIR);
  if (!existsSync(card) || !existsSync(data) || !statSync(data).isDirectory()) {
    throw new EvolflowError(
      'input',
      `publish: ${root} holds no dataset (README.md and ${DATA_DIR}/ are missing); pass the folder 'evolflow run --out DIR' or 'evolflow mix --out DIR' wrote`,
    );
  }
  if (!/^configs:/m.test(readFileSync(card, 'utf8').split(/^---$/m)[1] ?? '')) {
    throw new EvolflowError(
      'input',
      `publish: ${card} has no configs: in its YAML header; it was written by an older evolflow, re-run 'evolflow mix --in RUN --out DIR' to write a card the Hub reads`,
    );
  }
  const files = readdirSync(data, { recursive: true, encoding: 'utf8' })
    .map((f) => join(data, f))
    .filter((f) => statSync(f).isFile() && !f.split(sep).some((part) => part.startsWith('.')))
    .map((f) => relative(root, f).split(sep).join('/'))
    .sort();
  return ['README.md', ...(existsSync(join(root, DATASET_INFO_FILE)) ? [DATASET_INFO_FILE] : []), ...files];
}

/** Create the dataset repo when it does not exist yet, then upload the dataset files in one commit. */
export async function publishDataset(
  dir: string,
  options: PublishOptions,
): Promise<{ repoUrl: string; files: string[]; commit: string | undefined }> {
  const root = resolve(dir);
  const files = datasetFiles(root);
  const repo = { type: 'dataset' as const, name: options.repo };
  const common = {
    accessToken: options.accessToken,
    ...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const hub = options.hubUrl ?? 'https://huggingface.co';
  let repoUrl = `${hub}/datasets/${options.repo}`;
  try {
    repoUrl = (await createRepo({ repo, visibility: options.private ? 'private' : 'public', ...common })).repoUrl;
  } catch (cause) {
    // 409: the repo exists already; the upload below adds a commit to it.
    if ((cause as { statusCode?: number }).statusCode !== 409) {
      throw new EvolflowError(
        'transport',
        `publish: cannot create the dataset repo ${options.repo} on ${hub}: ${(cause as Error).message}`,
        { cause, retriable: true },
      );
    }
  }
  let out;
  try {
    out = await uploadFiles({
      repo,
      ...common,
      useXet: false,
      commitTitle: `evolflow publish: ${files.length} files`,
      files: files.map((f) => ({ path: f, content: new Blob([readFileSync(join(root, f))]) })),
    });
  } catch (cause) {
    throw new EvolflowError('transport', `publish: uploading ${root} to ${options.repo} on ${hub} failed: ${(cause as Error).message}`, {
      cause,
      retriable: true,
    });
  }
  return { repoUrl, files, commit: out?.commit.oid };
}

/** `evolflow publish`: the options are parsed and checked against PUBLISH_OPTIONS already. */
export async function run({ values, positionals }: Args<typeof PUBLISH_OPTIONS>): Promise<number> {
  const dir = positionals[0];
  if (dir === undefined) throw new UsageError('publish: expected the output folder to publish, e.g. evolflow publish out/ --repo ORG/NAME');
  if (values.repo === undefined || !/^[\w.-]+(\/[\w.-]+)?$/.test(values.repo)) {
    throw new UsageError(`publish: --repo ORG/NAME is required (got ${values.repo === undefined ? 'none' : `"${values.repo}"`})`);
  }
  const tokenEnv = values['token-env'] ?? 'HF_TOKEN';
  const token = process.env[tokenEnv];
  if (token === undefined || token === '') {
    throw new UsageError(
      `publish: no Hugging Face token in $${tokenEnv}; create a write token at https://huggingface.co/settings/tokens and export ${tokenEnv}=... (or name another variable with --token-env)`,
    );
  }
  const result = await publishDataset(dir, {
    repo: values.repo,
    accessToken: token,
    private: values.private === true,
    ...(values['hub-url'] ? { hubUrl: values['hub-url'] } : {}),
  });
  process.stdout.write(
    `published ${result.files.length} files (${result.files.join(', ')}) to ${result.repoUrl}${result.commit ? ` (commit ${result.commit})` : ''}\n`,
  );
  return 0;
}
