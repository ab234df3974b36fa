// Feeding seed files onto the seeds topic, for the seed stage to take in: each file read line by line
// (readSeedFile), its seeds and its rejects (a bad line names its file and line) published in order,
// in batches, waiting while the topic's backlog is high. With `follow`, every file is read again as
// it grows (its new complete lines, as `tail -f` would) until the signal stops the feed.
import { stat } from 'node:fs/promises';
import type { EvolRecord } from '@evolflow/core';
import { readSeedFile, type SeedFileOptions, type SeedFilePosition } from './seed-file.ts';

/** Where seeds go: the seeds topic of a transport. */
export interface SeedTopic {
  publish(topic: 'seeds', records: EvolRecord[]): Promise<void>;
  backlog(topic: 'seeds'): Promise<number>;
}

export interface SeedFeedOptions {
  files: readonly string[];
  topic: SeedTopic;
  /** Read each file as it grows until `signal` stops the feed. */
  follow?: boolean;
  /** Stops the feed: nothing more is read or published. */
  signal?: AbortSignal;
}

/** Records published per batch, and the seeds topic backlog above which the feed waits. */
const BATCH = 256;
const MAX_BACKLOG = 4096;
/** How often `follow` looks for new lines. */
const FOLLOW_POLL_MS = 200;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One feed of seed files: what it has read so far, and whether every file has been read to its end. */
export class SeedFeed {
  /** Seeds read (lines that became records). */
  seeds = 0;
  /** Lines rejected by the reader (published too: the seed stage sends them to `rejected`). */
  rejects = 0;
  /** Every file read to its end (with `follow`: to its end as last seen). */
  fed = false;
  readonly #options: SeedFeedOptions;
  readonly #stopped: Promise<void>;

  constructor(options: SeedFeedOptions) {
    this.#options = options;
    const { signal } = options;
    this.#stopped = new Promise<void>((r) => {
      if (signal?.aborted) r();
      else signal?.addEventListener('abort', () => r(), { once: true });
    });
  }

  get #stopping(): boolean {
    return this.#options.signal?.aborted ?? false;
  }

  /** Read and publish until every file is done (or, following, until the signal). */
  async run(): Promise<void> {
    const { files, follow } = this.#options;
    if (!follow) {
      for (const file of files) if (!(await this.#feedFile(file))) return;
      this.fed = true;
      return;
    }
    // The wait is a timer, so the process lives on whatever the transport and endpoint.
    const places = new Map<string, SeedFilePosition>(files.map((f) => [f, { byte: 0, line: 0 }]));
    while (!this.#stopping) {
      this.fed = false;
      for (const [file, from] of places) {
        const size = await stat(file).then(
          (s) => s.size,
          () => from.byte,
        ); // a file moved away is read again once it is back
        if (size === from.byte) continue;
        const start = size < from.byte ? { byte: 0, line: 0 } : from; // truncated: read from its start
        if (!(await this.#feedFile(file, { from: start, onEnd: (next) => places.set(file, next) }))) return;
      }
      this.fed = true;
      await Promise.race([sleep(FOLLOW_POLL_MS), this.#stopped]);
    }
  }

  /** Feed one read of a file (from `tail.from` to its last complete line when following); false when a stop cut it short. */
  async #feedFile(file: string, tail?: SeedFileOptions['tail']): Promise<boolean> {
    const { topic } = this.#options;
    let batch: EvolRecord[] = [];
    const flush = async () => {
      while (!this.#stopping && (await topic.backlog('seeds')) > MAX_BACKLOG) await sleep(20);
      if (this.#stopping) return;
      await topic.publish('seeds', batch);
      batch = [];
    };
    for await (const item of readSeedFile(file, tail ? { tail } : {})) {
      if (this.#stopping) return false;
      if (item.kind === 'reject') this.rejects++;
      else this.seeds++;
      batch.push(item.record);
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    return !this.#stopping;
  }
}
