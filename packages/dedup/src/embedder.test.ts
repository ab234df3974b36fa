// Agreement with the independent Python reference (scripts/reference-embeddings.py) on the same ONNX files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, meanPoolNormalize } from './embedder.ts';
import { modelPath, modelProfile, pullModel, VARIANT_FILES } from './models.ts';
import { fileSha256 } from './models.ts';
import { MODEL_DIR } from './testing/model-dir.ts';
import type { Embedder, EmbedderVariant } from './types.ts';

interface Reference {
  model: string;
  maxTokens: number;
  pairs: { row: number; a: string; b: string }[];
  variants: Partial<Record<EmbedderVariant, { onnx: string; sha256: string; similarities: number[] }>>;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/reference-similarities.json', import.meta.url), 'utf8')) as Reference;
const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);

describe('meanPoolNormalize', () => {
  it('averages only unmasked tokens and returns unit vectors', () => {
    const hidden = { dims: [1, 3, 2], data: new Float32Array([5, 1, 1, 7, 100, 100]) };
    const mask = { dims: [1, 3], data: new BigInt64Array([1n, 1n, 0n]) };
    const [v] = meanPoolNormalize(hidden, mask);
    expect(Array.from(v ?? [])).toEqual([0.6, 0.8].map((x) => Math.fround(x)));
  });
});

describe.each(['quantized', 'fp32'] as const)('embedder %s vs the python reference', (variant) => {
  let embedder: Embedder;
  beforeAll(async () => {
    await pullModel({ modelDir: MODEL_DIR, variants: [variant], sources: ['maven'] });
    embedder = await createEmbedder({ modelDir: MODEL_DIR, variant, batchSize: 8 });
  }, 300_000);
  afterAll(() => embedder?.close());

  it('loads the same ONNX file the reference used', () => {
    expect(fileSha256(join(modelPath(MODEL_DIR, reference.model), 'onnx', VARIANT_FILES[variant]))).toBe(
      reference.variants[variant]?.sha256,
    );
  });

  it('matches all 20 reference cosine similarities within 0.005', async () => {
    const expected = reference.variants[variant]?.similarities ?? [];
    expect(expected).toHaveLength(20);
    // Embed all 40 sentences in one call, so batching and padding are exercised too.
    const vectors = await embedder.embed(reference.pairs.flatMap((p) => [p.a, p.b]));
    expect(embedder.dimension).toBe(384);
    const got = reference.pairs.map((_, i) => dot(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array));
    const worst = Math.max(...got.map((g, i) => Math.abs(g - (expected[i] as number))));
    console.log(`${variant}: largest difference from the python reference ${worst.toFixed(6)} over 20 pairs`);
    expect(worst).toBeLessThan(0.005);
  });

  it('gives the same vectors, in input order, on worker threads as in this thread', async () => {
    const texts = reference.pairs.slice(0, 11).map((p) => p.a);
    const here = await createEmbedder({ modelDir: MODEL_DIR, variant, workers: 0 });
    const local = await here.embed(texts);
    await here.close();
    const pooled = await Promise.all([embedder.embed(texts.slice(0, 5)), embedder.embed(texts.slice(5))]);
    pooled.flat().forEach((v, i) => expect(dot(v, local[i] as Float32Array)).toBeGreaterThan(0.99999));
  });

  it('gives a text the same embedding whatever else is in its batch', async () => {
    const text = reference.pairs[3]?.a ?? '';
    const [alone] = await embedder.embed([text]);
    const [inBatch] = await embedder.embed([text, 'A much longer sentence that pads the batch: '.repeat(12), 'short']);
    expect(dot(alone as Float32Array, inBatch as Float32Array)).toBeGreaterThan(variant === 'fp32' ? 0.99999 : 0.9999999);
  });
});

describe.skipIf(!existsSync(join(modelPath(MODEL_DIR, 'all-MiniLM-L6-v2'), 'onnx', VARIANT_FILES.int8)))(
  'embedder int8 (made by scripts/quantize-int8.py)',
  () => {
    it('matches its python reference within 0.005 when present', async () => {
      const embedder = await createEmbedder({ modelDir: MODEL_DIR, variant: 'int8' });
      const vectors = await embedder.embed(reference.pairs.flatMap((p) => [p.a, p.b]));
      const expected = reference.variants.int8?.similarities ?? [];
      reference.pairs.forEach((_, i) =>
        expect(Math.abs(dot(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array) - (expected[i] as number))).toBeLessThan(
          0.005,
        ),
      );
      await embedder.close();
    }, 120_000);
  },
);

// The langchain4j models: pooling ([CLS] for bge) and prefix ("query: " for e5) against the python reference,
// on 20 STS-B pairs and 10 of the committed instruction pairs (5 Chinese).
describe.each(['bge-small-en-v1.5', 'e5-small-v2', 'bge-small-zh-v1.5'])('embedder %s vs the python reference', (model) => {
  const ref = JSON.parse(readFileSync(new URL(`./fixtures/reference-${model}.json`, import.meta.url), 'utf8')) as Reference & {
    pooling: string;
    prefix: string;
    lowercase: boolean;
  };
  let embedder: Embedder;
  beforeAll(async () => {
    await pullModel({ modelDir: MODEL_DIR, model, sources: ['maven'] });
    embedder = await createEmbedder({ modelDir: MODEL_DIR, model, batchSize: 8 });
  }, 300_000);
  afterAll(() => embedder?.close());

  it('uses the pooling, prefix and case the reference used, on the same ONNX file', () => {
    expect(modelProfile(model)).toEqual({ pooling: ref.pooling, prefix: ref.prefix, lowercase: ref.lowercase });
    expect(fileSha256(join(modelPath(MODEL_DIR, model), 'onnx', VARIANT_FILES.quantized))).toBe(ref.variants.quantized?.sha256);
  });

  it('matches all 30 reference cosine similarities within 0.005', async () => {
    const expected = ref.variants.quantized?.similarities ?? [];
    expect(expected).toHaveLength(30);
    const vectors = await embedder.embed(ref.pairs.flatMap((p) => [p.a, p.b]));
    expect(embedder.dimension).toBe(model === 'bge-small-zh-v1.5' ? 512 : 384);
    const got = ref.pairs.map((_, i) => dot(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array));
    const worst = Math.max(...got.map((g, i) => Math.abs(g - (expected[i] as number))));
    console.log(`${model}: largest difference from the python reference ${worst.toFixed(6)} over 30 pairs`);
    expect(worst).toBeLessThan(0.005);
  });

  it('differs from the other pooling (the reference would catch a wrong one)', async () => {
    const other = await createEmbedder({ modelDir: MODEL_DIR, model, workers: 0, pooling: ref.pooling === 'cls' ? 'mean' : 'cls' });
    const vectors = await other.embed(ref.pairs.slice(0, 10).flatMap((p) => [p.a, p.b]));
    await other.close();
    const expected = ref.variants.quantized?.similarities ?? [];
    const worst = Math.max(
      ...ref.pairs
        .slice(0, 10)
        .map((_, i) => Math.abs(dot(vectors[2 * i] as Float32Array, vectors[2 * i + 1] as Float32Array) - (expected[i] as number))),
    );
    expect(worst).toBeGreaterThan(0.01);
  });
});
