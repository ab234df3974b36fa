// Worker thread body of the embedder pool: one in-thread embedder, texts in, vectors out (transferred).
import { parentPort, workerData } from 'node:worker_threads';
import { createLocalEmbedder } from './embedder.ts';
import type { EmbedderOptions } from './types.ts';

const port = parentPort;
if (port) {
  try {
    const embedder = await createLocalEmbedder(workerData as EmbedderOptions);
    // One job at a time, in arrival order (a second job may be queued while the first runs).
    let chain: Promise<void> = Promise.resolve();
    port.on('message', (job: { id: number; texts: string[] }) => {
      chain = chain.then(() =>
        embedder.embed(job.texts).then(
          (vectors) =>
            port.postMessage(
              { id: job.id, vectors },
              vectors.map((v) => v.buffer as ArrayBuffer),
            ),
          (err: unknown) => port.postMessage({ id: job.id, error: (err as Error).message }),
        ),
      );
    });
    port.postMessage({ ready: true, dimension: embedder.dimension });
  } catch (err) {
    port.postMessage({ ready: false, error: (err as Error).message });
  }
}
