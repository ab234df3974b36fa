// The HNSW index against exact search, growth by resizing, and the 32-bit label guard.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVectorIndex, HNSW_DEFAULTS } from './hnsw-index.ts';
import { embeddingLike } from './synthetic.ts';

const { BruteforceSearch } = createRequire(import.meta.url)('hnswlib-node') as typeof import('hnswlib-node');

describe('vector index', () => {
  it('has recall@1 >= 0.99 against brute force on 100,000 vectors at the default ef', () => {
    const n = 100_000;
    const sample = embeddingLike('data');
    const index = createVectorIndex({ dimension: 384 });
    const exact = new BruteforceSearch('cosine', 384);
    exact.initIndex(n);
    for (let i = 0; i < n; i++) {
      const v = sample();
      expect(index.add(v)).toBe(i);
      exact.addPoint(Array.from(v), i);
    }
    expect(index.count()).toBe(n);
    const query = embeddingLike('queries');
    let hits = 0;
    const q = 500;
    for (let k = 0; k < q; k++) {
      const v = query();
      const truth = exact.searchKnn(Array.from(v), 1).neighbors[0];
      if (index.search(v, 1)[0]?.label === truth) hits += 1;
    }
    console.log(
      `recall@1 ${hits / q} at ef ${HNSW_DEFAULTS.ef} (M ${HNSW_DEFAULTS.M}, efConstruction ${HNSW_DEFAULTS.efConstruction}), ${n} vectors`,
    );
    expect(hits / q).toBeGreaterThanOrEqual(0.99);
  }, 300_000);

  it('grows past its first capacity and survives a write and read', () => {
    const sample = embeddingLike('small');
    const index = createVectorIndex({ dimension: 384, hnsw: { initialCapacity: 4 } });
    const vectors = Array.from({ length: 100 }, sample);
    vectors.forEach((v) => index.add(v));
    expect(index.count()).toBe(100);
    expect(index.capacity()).toBe(128);
    const file = join(mkdtempSync(join(tmpdir(), 'evolflow-hnsw-')), 'index.hnsw');
    index.write(file);
    const again = createVectorIndex({ dimension: 384, file });
    expect(again.count()).toBe(100);
    const hit = again.search(vectors[42] as Float32Array, 1)[0];
    expect(hit?.label).toBe(42);
    expect(hit?.similarity).toBeCloseTo(1, 5);
    expect(again.add(sample())).toBe(100);
  });

  it('refuses a label past the 32-bit range instead of wrapping', () => {
    const index = createVectorIndex({ dimension: 4, maxLabel: 2 });
    for (let i = 0; i < 3; i++) index.add([1, i, 0, 0]);
    expect(() => index.add([0, 0, 1, 0])).toThrow(/labels are 32-bit/);
    expect(index.count()).toBe(3);
  });

  it('answers an empty index with no neighbours', () => {
    expect(createVectorIndex({ dimension: 4 }).search([1, 0, 0, 0], 1)).toEqual([]);
  });
});
