// Deterministic randomness: every random choice in evolflow derives from (run seed, stable keys),
// never from processing order, so two runs of the same input make the same choices.
import { createHash } from 'node:crypto';

/** A PRNG (mulberry32) seeded from any list of stable keys. */
export function seededRandom(...keys: (string | number)[]): () => number {
  const digest = createHash('sha256').update(keys.join('\u0000')).digest();
  let state = digest.readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pick by weight with a random number in [0, 1). */
export function pickWeighted<T>(items: readonly T[], weights: readonly number[], r: number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let i = 0; i < items.length; i++) {
    x -= weights[i] ?? 0;
    if (x < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}
