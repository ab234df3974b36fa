// A growing cosine HNSW index (hnswlib-node) whose 32-bit labels map to record ids.
import { createRequire } from 'node:module';
import { DEFAULT_CONFIG, EvolflowError } from '@evolflow/core';
import type { HierarchicalNSW as HnswClass } from 'hnswlib-node';
import type { HnswOptions } from './types.ts';

const require = createRequire(import.meta.url);
const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');

/** hnswlib-node passes labels through Uint32Value: anything above wraps silently, so we stop before. */
export const MAX_LABEL = 2 ** 32 - 1;

/** Config `dedup.hnsw` defaults (recall@1 >= 0.99 at 100k vectors, see hnsw-index.test.ts) plus the first capacity. */
export const HNSW_DEFAULTS: Required<HnswOptions> = { ...DEFAULT_CONFIG.dedup.hnsw, initialCapacity: 1024 };

/** Nearest neighbours of a query, best first. */
export interface Neighbour {
  label: number;
  similarity: number;
}

/** The index plus the label -> record id map; labels are assigned 0, 1, 2... in insertion order. */
export interface VectorIndex {
  readonly dimension: number;
  /** Add a unit vector; returns its label. */
  add(vector: Float32Array | number[]): number;
  /** Up to `k` nearest labels by cosine similarity, best first (empty when the index is empty). */
  search(vector: Float32Array | number[], k: number): Neighbour[];
  count(): number;
  capacity(): number;
  write(file: string): void;
  readonly raw: HnswClass;
}

/** Options for `createVectorIndex`: a fresh index, or one read from `file` (written by `write`). */
export interface VectorIndexOptions {
  dimension: number;
  hnsw?: HnswOptions;
  file?: string;
  /** Highest label allowed (tests lower it to exercise the guard). */
  maxLabel?: number;
}

export function createVectorIndex(options: VectorIndexOptions): VectorIndex {
  const p = { ...HNSW_DEFAULTS, ...options.hnsw };
  const maxLabel = options.maxLabel ?? MAX_LABEL;
  const raw = new HierarchicalNSW('cosine', options.dimension);
  if (options.file !== undefined) raw.readIndexSync(options.file);
  else raw.initIndex({ maxElements: Math.max(1, p.initialCapacity), m: p.M, efConstruction: p.efConstruction, randomSeed: 100 });
  raw.setEf(p.ef);
  let next = raw.getCurrentCount();
  const toArray = (v: Float32Array | number[]) => (Array.isArray(v) ? v : Array.from(v));
  return {
    dimension: options.dimension,
    raw,
    add(vector) {
      if (next > maxLabel) {
        throw new EvolflowError(
          'internal',
          `dedup index is full: hnswlib-node labels are 32-bit and ${next} would wrap to ${next % (maxLabel + 1)}; shard the dedup stage (one index per shard) or start a new index`,
          { details: { count: next } },
        );
      }
      const cap = raw.getMaxElements();
      if (next >= cap) raw.resizeIndex(Math.min(cap * 2, maxLabel + 1));
      const label = next;
      raw.addPoint(toArray(vector), label);
      next += 1;
      return label;
    },
    search(vector, k) {
      const n = Math.min(k, next);
      if (n <= 0) return [];
      const { distances, neighbors } = raw.searchKnn(toArray(vector), n);
      return neighbors.map((label, i) => ({ label, similarity: 1 - (distances[i] ?? 1) }));
    },
    count: () => next,
    capacity: () => raw.getMaxElements(),
    write: (file) => raw.writeIndexSync(file),
  };
}
