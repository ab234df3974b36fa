// Sentence embeddings with transformers.js (onnxruntime-node): tokenise (truncate to maxTokens), run the
// model, mean-pool over real tokens, L2-normalise. Models load from the local cache only.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { modelPath, VARIANT_FILES } from './models.ts';
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

/** Load an embedder from `<modelDir>/<model>/` (fill it with `pullModel` first). */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  const model = options.model ?? 'all-MiniLM-L6-v2';
  const variant = options.variant ?? 'quantized';
  const maxTokens = options.maxTokens ?? 256;
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const dir = modelPath(options.modelDir, model);
  const onnx = join(dir, 'onnx', VARIANT_FILES[variant]);
  for (const file of [join(dir, 'tokenizer.json'), join(dir, 'tokenizer_config.json'), join(dir, 'config.json'), onnx]) {
    if (!existsSync(file)) {
      const how = variant === 'int8' ? 'run scripts/quantize-int8.py' : `run \`evolflow models pull --model ${model}${variant === 'fp32' ? ' --variant fp32' : ''}\``;
      throw new EvolflowError('model', `model file ${file} is missing (dedup.modelDir ${options.modelDir}, dedup.model ${model}): ${how}`, { details: { file, path: 'dedup.modelDir' } });
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
        intraOpNumThreads: options.threads ?? (options.rowWise ?? variant !== 'fp32' ? 1 : availableParallelism()),
        interOpNumThreads: 1,
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      },
    });
  } catch (cause) {
    throw new EvolflowError('model', `cannot load model ${model} (${variant}) from ${dir}: ${(cause as Error).message}`, { cause, details: { model } });
  }
  const hidden = Number((net.config as unknown as { hidden_size?: number }).hidden_size ?? 0);
  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
    const output = (await net(inputs)) as Record<string, TensorLike>;
    const states = output.last_hidden_state ?? output.token_embeddings ?? Object.values(output)[0];
    if (!states) throw new EvolflowError('model', `model ${model} returned no token embeddings`);
    return meanPoolNormalize(states, inputs.attention_mask as TensorLike);
  };
  // Dynamically quantized models scale activations by the range of the whole input tensor, so a padded
  // batch changes every row's embedding (by up to 0.04 in cosine here). Row-wise runs keep an embedding a
  // function of its text alone; `parallel` runs are in flight at once to use the cores.
  const rowWise = options.rowWise ?? variant !== 'fp32';
  const parallel = Math.max(1, options.parallel ?? (rowWise ? availableParallelism() : 1));
  const embedRows = async (texts: string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = new Array<Float32Array>(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const i = next++;
        out[i] = (await run([texts[i] as string]))[0] as Float32Array;
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, texts.length) }, worker));
    return out;
  };
  const embedBatch = rowWise ? embedRows : run;
  const dimension = hidden > 0 ? hidden : ((await run(['dimension probe']))[0]?.length ?? 0);
  return {
    dimension,
    schedule: { kind: rowWise ? 'rows' : 'batches', parallel },
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
