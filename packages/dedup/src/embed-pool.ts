// The embedder on worker threads: each worker holds the model; jobs (chunks of texts) go to whichever
// worker has room (two jobs each, so a worker never waits for this thread to hand it the next one).
import { Worker } from 'node:worker_threads';
import { EvolflowError } from '@evolflow/core';
import type { Embedder, EmbedderOptions } from './types.ts';

interface Job {
  id: number;
  texts: string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: unknown) => void;
}

type Reply = { id: number; vectors?: Float32Array[]; error?: string } | { ready: boolean; dimension?: number; error?: string };

function startWorker(options: EmbedderOptions): Promise<{ worker: Worker; dimension: number }> {
  // A plain-JS boot file registers tsx in the worker (the workspace runs TypeScript with tsx).
  const worker = new Worker(new URL('./embed-worker.mjs', import.meta.url), { workerData: { ...options, workers: 0 } });
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      void worker.terminate();
      reject(new EvolflowError('model', message, { details: { model: options.model } }));
    };
    worker.once('message', (m: Reply) =>
      'ready' in m && m.ready
        ? resolve({ worker, dimension: m.dimension ?? 0 })
        : fail('error' in m ? String(m.error) : 'embedder worker failed to start'),
    );
    worker.once('error', (err) => fail(`embedder worker failed: ${err.message}`));
  });
}

/** `workers` threads, each with its own model instance (options.threads intra-op threads each). */
export async function createWorkerEmbedder(options: EmbedderOptions, workers: number): Promise<Embedder> {
  const started = await Promise.all(Array.from({ length: workers }, () => startWorker(options)));
  const rowWise = options.rowWise ?? true;
  const chunk = rowWise ? 4 : Math.max(1, options.batchSize ?? 32);
  const queue: Job[] = [];
  // Jobs posted to each worker, oldest first (a worker answers in order).
  const posted = new Map<Worker, Job[]>(started.map((s) => [s.worker, []]));
  let nextId = 0;
  let closed = false;

  const dispatch = () => {
    for (let room = true; room && queue.length > 0;) {
      room = false;
      for (const [worker, jobs] of posted) {
        if (jobs.length >= 2 || queue.length === 0) continue;
        const job = queue.shift() as Job;
        jobs.push(job);
        worker.ref();
        worker.postMessage({ id: job.id, texts: job.texts });
        room = true;
      }
    }
  };
  for (const [worker, jobs] of posted) {
    worker.unref();
    worker.on('message', (m: Reply) => {
      if (!('id' in m)) return;
      const at = jobs.findIndex((j) => j.id === m.id);
      if (at < 0) return;
      const [job] = jobs.splice(at, 1) as [Job];
      if (m.error !== undefined) job.reject(new EvolflowError('model', `embedding failed: ${m.error}`, { retriable: false }));
      else job.resolve(m.vectors ?? []);
      dispatch();
      // An idle worker does not keep the process alive (a forgotten close() must not hang a CLI run).
      if (jobs.length === 0) worker.unref();
    });
    worker.on('error', (err) => {
      for (const job of jobs.splice(0))
        job.reject(new EvolflowError('model', `embedder worker crashed: ${err.message}`, { retriable: true, cause: err }));
      posted.delete(worker);
    });
  }
  const submit = (texts: string[]) =>
    new Promise<Float32Array[]>((resolve, reject) => {
      if (closed) {
        reject(new EvolflowError('internal', 'embedder is closed'));
        return;
      }
      queue.push({ id: nextId++, texts, resolve, reject });
      dispatch();
    });

  return {
    dimension: started[0]?.dimension ?? 0,
    schedule: { kind: rowWise ? 'rows' : 'batches', parallel: workers },
    async embed(texts) {
      const parts: Promise<Float32Array[]>[] = [];
      for (let i = 0; i < texts.length; i += chunk) parts.push(submit(texts.slice(i, i + chunk)));
      return (await Promise.all(parts)).flat();
    },
    async close() {
      closed = true;
      await Promise.all(started.map((s) => s.worker.terminate()));
    },
  };
}
