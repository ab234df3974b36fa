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
 * While batches run (up to `maxInFlight`, so the cores never wait for a batch's last row), new texts
 * queue up; the next batch takes up to `batchSize` of them. The first batch of a burst waits one
 * macrotask so concurrent callers can join it.
 */
export function createMicroBatcher(embedder: Embedder, batchSize: number, maxInFlight = 2): MicroBatcher {
  const queue: Pending[] = [];
  let running = 0;
  let scheduled = false;

  const runBatch = async (batch: Pending[]): Promise<void> => {
    try {
      const vectors = await embedder.embed(batch.map((p) => p.text));
      batch.forEach((p, i) => p.resolve(vectors[i] as Float32Array));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      running -= 1;
      pump();
    }
  };

  function pump(): void {
    scheduled = false;
    while (running < maxInFlight && queue.length > 0) {
      running += 1;
      void runBatch(queue.splice(0, batchSize));
    }
  }

  return {
    embedOne(text) {
      return new Promise<Float32Array>((resolve, reject) => {
        queue.push({ text, resolve, reject });
        if (running < maxInFlight && !scheduled) {
          scheduled = true;
          setImmediate(pump);
        }
      });
    },
  };
}
