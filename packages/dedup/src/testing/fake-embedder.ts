// A deterministic stand-in embedder for tests: hashed word counts in 256 dimensions, unit length.
import { createHash } from 'node:crypto';
import type { Embedder } from '../types.ts';

export function fakeEmbedder(dimension = 256): Embedder & { calls: number[] } {
  const calls: number[] = [];
  const one = (text: string): Float32Array => {
    const v = new Float32Array(dimension);
    for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
      const k = createHash('md5').update(w).digest().readUInt32LE(0) % dimension;
      v[k] = (v[k] ?? 0) + 1;
    }
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  return {
    dimension,
    calls,
    async embed(texts) {
      calls.push(texts.length);
      await new Promise((r) => setTimeout(r, 1));
      return texts.map(one);
    },
    async close() {},
  };
}
