// Sentence embeddings with transformers.js (onnxruntime-node): prepare each text as the model wants (prefix,
// lower-casing), tokenise
// (truncate to maxTokens), run the model, pool (mean over real tokens, or the [CLS] token), L2-normalise. Models
// load from the local cache only.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { modelPath, modelProfile, VARIANT_FILES, type Pooling } from './models.ts';
import type { Embedder, EmbedderOptions, EmbedderVariant } from './types.ts';

const DTYPES: Record<EmbedderVariant, 'q8' | 'fp32' | 'int8'> = { quantized: 'q8', fp32: 'fp32', int8: 'int8' };

interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

/** Mean of the token vectors where `mask` is 1, then unit length; one Float32Array per row. */
export function meanPoolNormalize(hidden: TensorLike, mask: TensorLike): Float32Array[] {
  const [rows = 0, tokens = 0, width = 0] = hidden.dims;
  const h = hidden.data as Float32Array;
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = new Float32Array(width);
    let count = 0;
    for (let t = 0; t < tokens; t++) {
      if (Number(mask.data[r * tokens + t]) === 0) continue;
      count += 1;
      const base = (r * tokens + t) * width;
      for (let d = 0; d < width; d++) v[d] = (v[d] as number) + (h[base + d] as number);
    }
    let norm = 0;
    for (let d = 0; d < width; d++) {
      v[d] = (v[d] as number) / Math.max(count, 1);
      norm += (v[d] as number) ** 2;
    }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < width; d++) v[d] = (v[d] as number) / norm;
    out.push(v);
  }
  return out;
}

/** The first token's ([CLS]) vector of each row, unit length: how bge models are pooled. */
export function clsPoolNormalize(hidden: TensorLike): Float32Array[] {
  const [rows = 0, tokens = 0, width = 0] = hidden.dims;
  const h = hidden.data as Float32Array;
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = Float32Array.from(h.subarray(r * tokens * width, r * tokens * width + width));
    const norm = Math.max(Math.sqrt(v.reduce((s, x) => s + x * x, 0)), 1e-12);
    for (let d = 0; d < width; d++) v[d] = (v[d] as number) / norm;
    out.push(v);
  }
  return out;
}

/** Pool token vectors into unit-length sentence vectors the way `pooling` says. */
export const poolNormalize = (pooling: Pooling, hidden: TensorLike, mask: TensorLike): Float32Array[] =>
  pooling === 'cls' ? clsPoolNormalize(hidden) : meanPoolNormalize(hidden, mask);

/** Default layout: quantized variants one text per run, one worker per core; fp32 padded batches, one worker. */
export function embedderLayout(options: EmbedderOptions): { rowWise: boolean; workers: number; threads: number } {
  const rowWise = options.rowWise ?? (options.variant ?? 'quantized') !== 'fp32';
  const workers = Math.max(0, options.workers ?? (rowWise ? availableParallelism() : 1));
  const threads = options.threads ?? (rowWise ? 1 : availableParallelism());
  return { rowWise, workers, threads };
}

/**
 * Load an embedder from `<modelDir>/<model>/` (fill it with `pullModel` first). onnxruntime-node runs a
 * model synchronously on the calling thread, so by default the model runs in worker threads and this
 * thread stays free (for the HNSW index and the stage loop); `workers: 0` runs it here.
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const layout = embedderLayout(options);
  if (layout.workers === 0) return createLocalEmbedder(options);
  const { createWorkerEmbedder } = await import('./embed-pool.ts');
  return createWorkerEmbedder({ ...options, rowWise: layout.rowWise, threads: layout.threads }, layout.workers);
}

/** The model in this thread (what each worker runs). */
export async function createLocalEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const layout = embedderLayout(options);
  const model = options.model ?? 'all-MiniLM-L6-v2';
  const variant = options.variant ?? 'quantized';
  const maxTokens = options.maxTokens ?? 256;
  const profile = modelProfile(model);
  const pooling = options.pooling ?? profile.pooling;
  const prefix = options.prefix ?? profile.prefix;
  const lowercase = options.lowercase ?? profile.lowercase;
  const prepare = (text: string): string => prefix + (lowercase ? text.toLowerCase() : text);
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const dir = modelPath(options.modelDir, model);
  const onnx = join(dir, 'onnx', VARIANT_FILES[variant]);
  for (const file of [join(dir, 'tokenizer.json'), join(dir, 'tokenizer_config.json'), join(dir, 'config.json'), onnx]) {
    if (!existsSync(file)) {
      const how =
        variant === 'int8'
          ? 'run scripts/quantize-int8.py'
          : `run \`evolflow models pull --model ${model}${variant === 'fp32' ? ' --variant fp32' : ''}\``;
      throw new EvolflowError('model', `model file ${file} is missing (dedup.modelDir ${options.modelDir}, dedup.model ${model}): ${how}`, {
        details: { file, path: 'dedup.modelDir' },
      });
    }
  }
  const { AutoModel, AutoTokenizer, env } = await import('@huggingface/transformers');
  // The cache folder is the parent of the model folder; `model` is the folder name under it.
  env.localModelPath = `${modelPath(options.modelDir, '.')}/`;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  let net: Awaited<ReturnType<typeof AutoModel.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(model, { local_files_only: true });
    net = await AutoModel.from_pretrained(model, {
      local_files_only: true,
      dtype: DTYPES[variant],
      // No spin-waiting intra-op threads: on a shared machine spinning workers fight other processes.
      session_options: {
        intraOpNumThreads: layout.threads,
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      },
    });
  } catch (cause) {
    throw new EvolflowError('model', `cannot load model ${model} (${variant}) from ${dir}: ${(cause as Error).message}`, {
      cause,
      details: { model },
    });
  }
  const hidden = Number((net.config as unknown as { hidden_size?: number }).hidden_size ?? 0);
  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const inputs = tokenizer(texts.map(prepare), { padding: true, truncation: true, max_length: maxTokens });
    const output = (await net(inputs)) as Record<string, TensorLike>;
    const states = output.last_hidden_state ?? output.token_embeddings ?? Object.values(output)[0];
    if (!states) throw new EvolflowError('model', `model ${model} returned no token embeddings`);
    return poolNormalize(pooling, states, inputs.attention_mask as TensorLike);
  };
  // Dynamically quantized models scale activations by the range of the whole input tensor, so a padded
  // batch changes every row's embedding (by up to 0.04 in cosine here). Row-wise runs keep an embedding a
  // function of its text alone.
  const embedBatch = layout.rowWise
    ? async (texts: string[]): Promise<Float32Array[]> => {
        const out: Float32Array[] = [];
        for (const text of texts) out.push((await run([text]))[0] as Float32Array);
        return out;
      }
    : run;
  const dimension = hidden > 0 ? hidden : ((await run(['dimension probe']))[0]?.length ?? 0);
  return {
    dimension,
    schedule: { kind: layout.rowWise ? 'rows' : 'batches', parallel: 1 },
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embedBatch(texts.slice(i, i + batchSize))));
      return out;
    },
    async close() {
      await net.dispose();
    },
  };
}
