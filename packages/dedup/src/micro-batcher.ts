// Micro-batching: single texts from concurrent callers are gathered into batches for one embed call.
import type { Embedder } from './types.ts';

interface Pending {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** Embeds one text at a time for callers, many at a time for the model. */
export interface MicroBatcher {
  embedOne(text: string): Promise<Float32Array>;
}

/**
 * While one batch runs, new texts queue up; the next batch takes up to `batchSize` of them.
 * The first batch of a burst waits one macrotask so concurrent callers can join it.
 */
export function createMicroBatcher(embedder: Embedder, batchSize: number): MicroBatcher {
  const queue: Pending[] = [];
  let running = false;
  let scheduled = false;

  const pump = async (): Promise<void> => {
    scheduled = false;
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue.splice(0, batchSize);
    try {
      const vectors = await embedder.embed(batch.map((p) => p.text));
      batch.forEach((p, i) => p.resolve(vectors[i] as Float32Array));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      running = false;
      if (queue.length > 0) void pump();
    }
  };

  return {
    embedOne(text) {
      return new Promise<Float32Array>((resolve, reject) => {
        queue.push({ text, resolve, reject });
        if (!running && !scheduled) {
          scheduled = true;
          setImmediate(() => void pump());
        }
      });
    },
  };
}
