// Synthetic unit vectors shaped like sentence embeddings, for index tests and benchmarks.
import { seededRandom } from '@evolflow/core';

/**
 * Unit vectors shaped like sentence embeddings: a 48-dimensional mixture of 1,000 clusters projected
 * into 384 dimensions plus noise, so nearest neighbours sit at cosine ~0.7 (as real instruction
 * embeddings do). Uniform random 384-d vectors have no neighbourhood structure at all (every point is
 * about equally far), which no approximate index, and no dedup, ever meets.
 */
export function embeddingLike(seed: string, dim = 384) {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const structure = seededRandom('structure');
  const sgauss = () => Math.sqrt(-2 * Math.log(structure() + 1e-12)) * Math.cos(2 * Math.PI * structure());
  const latent = 48;
  const proj = Array.from({ length: latent }, () => Float32Array.from({ length: dim }, sgauss));
  const centers = Array.from({ length: 1000 }, () => Float32Array.from({ length: latent }, sgauss));
  return () => {
    const c = centers[Math.floor(rnd() * centers.length)] as Float32Array;
    const v = new Float32Array(dim);
    for (let l = 0; l < latent; l++) {
      const z = (c[l] as number) + gauss();
      const p = proj[l] as Float32Array;
      for (let d = 0; d < dim; d++) v[d] = (v[d] as number) + z * (p[d] as number);
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      v[d] = (v[d] as number) + 0.5 * gauss();
      norm += (v[d] as number) ** 2;
    }
    return v.map((x) => x / Math.sqrt(norm));
  };
}
