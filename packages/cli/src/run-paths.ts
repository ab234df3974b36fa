// Checking a run's paths before anything starts: every seed file is a readable, non-empty file,
// `--out` is (or can become) a folder, and no output of the run lands on one of its inputs.
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { EXIT } from './outcome.ts';

/** Files a run writes directly into `--out` (sink, run.json, observe, mixer, the lock). */
export const RUN_OUTPUT_FILES: readonly string[] = Object.freeze([
  'metadata.jsonl',
  'dataset_info.json',
  'README.md',
  'mix-summary.json',
  'manifest.json',
  'kept.jsonl',
  'seeds.jsonl',
  'rejected.jsonl',
  'lineage.jsonl',
  'dlq.jsonl',
  'run.json',
  'metrics.prom',
  'report.html',
  'evolflow.log',
  '.evolflow.lock',
  '.evolflow.lock.takeover',
]);
/** Folders inside `--out` the run owns (their contents are replaced). */
export const RUN_OUTPUT_DIRS: readonly string[] = Object.freeze(['data', 'shards', '.mix-state']);

export interface RunPaths {
  seedFiles: readonly string[];
  outDir: string;
  /** Other inputs the run reads (the config file, decontamination sets), for the overwrite check. */
  otherInputs?: readonly string[];
}

const usage = (message: string, details: Record<string, unknown>) =>
  new EvolflowError('input', message, { details: { ...details, exitCode: EXIT.usage } });

/** Where `path` really is: its real path when it exists, else its real parent joined with its name. */
async function whereIs(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : resolve(await whereIs(parent), basename(abs));
  }
}

/** The run output `input` would be overwritten by when the run writes into `outDir`, if any. */
function collision(input: string, outDir: string): string | undefined {
  const rel = relative(outDir, input);
  if (rel === '' || rel.startsWith('..') || resolve(outDir, rel) !== input) return undefined;
  if (RUN_OUTPUT_FILES.includes(rel)) return rel;
  const top = rel.split(sep)[0] ?? '';
  return RUN_OUTPUT_DIRS.includes(top) ? `${top}/` : undefined;
}

/**
 * Throws an `input` EvolflowError (exit code 2, or 3 for an empty seed file) naming the path and what
 * to do; creates `outDir` when it does not exist.
 */
export async function checkRunPaths(paths: RunPaths): Promise<void> {
  for (const file of paths.seedFiles) {
    let info;
    try {
      info = await stat(file);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw usage(`--seeds ${file}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { file });
    }
    if (info.isDirectory())
      throw usage(`--seeds ${file} is a folder; pass a seed file (.jsonl, .json or .txt), one --seeds per file`, { file });
    if (info.isFile() && info.size === 0) {
      throw new EvolflowError('input', `seed file ${file} is empty: nothing to evolve`, { details: { file, exitCode: EXIT.emptyInput } });
    }
  }
  const out = await whereIs(paths.outDir);
  try {
    const info = await stat(out);
    if (!info.isDirectory())
      throw usage(`--out ${paths.outDir} is a file, not a folder; choose a folder for the run's outputs`, { outDir: paths.outDir });
  } catch (cause) {
    if (cause instanceof EvolflowError) throw cause;
  }
  for (const input of [...paths.seedFiles, ...(paths.otherInputs ?? [])]) {
    const at = await whereIs(input);
    const name = collision(at, out);
    if (name !== undefined) {
      throw usage(`--out ${paths.outDir} would overwrite the input ${input} (the run writes ${name} into ${out}); choose another --out`, {
        input,
        outDir: paths.outDir,
      });
    }
  }
  try {
    await mkdir(out, { recursive: true });
  } catch (cause) {
    throw usage(`--out ${paths.outDir}: cannot create the folder: ${(cause as Error).message}`, { outDir: paths.outDir });
  }
}
