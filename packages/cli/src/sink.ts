// The run's sink: consumes the terminal topics and writes kept.jsonl, seeds.jsonl, rejected.jsonl,
// lineage.jsonl and dlq.jsonl. Writes are keyed by record id, so a message delivered twice
// (at-least-once transports) is written once.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvolRecord } from '@evolflow/core';
import type { DeadLetter, Subscription, Transport } from '@evolflow/transport';

export interface LineageEntry {
  id: string;
  seedId: string;
  parentId: string | null;
  round: number;
  strategy: string | null;
  chain: string[];
  state: 'seed' | 'kept' | 'rejected';
  stage?: string;
  reason?: string;
}

export interface Sink {
  readonly kept: ReadonlyMap<string, EvolRecord>;
  readonly seeds: ReadonlyMap<string, EvolRecord>;
  readonly rejected: ReadonlyMap<string, EvolRecord>;
  readonly deadLetters: readonly DeadLetter[];
  /** Distinct records the mixer put in curriculum batches, and how many of them were replayed seeds. */
  curriculum(): { records: number; replayed: number };
  stop(): Promise<void>;
  /** Write every file of the sink into `dir`, each sorted by id. */
  write(dir: string): Promise<void>;
}

const byId = (a: EvolRecord, b: EvolRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const jsonl = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');

export function lineageOf(record: EvolRecord, state: LineageEntry['state']): LineageEntry {
  const entry: LineageEntry = {
    id: record.id, seedId: record.seedId, parentId: record.parentId, round: record.round, strategy: record.strategy ?? null,
    chain: record.lineage.map((s) => s.strategy), state,
  };
  if (record.rejection) {
    entry.stage = record.rejection.stage;
    entry.reason = record.rejection.reason;
  }
  return entry;
}

export async function startSink(transport: Transport, group: string): Promise<Sink> {
  const kept = new Map<string, EvolRecord>();
  const seeds = new Map<string, EvolRecord>();
  const rejected = new Map<string, EvolRecord>();
  const curriculum = new Map<string, boolean>();
  const letters: DeadLetter[] = [];
  const subs: Subscription[] = [];
  subs.push(
    await transport.subscribe({
      group,
      topics: ['unique', 'replay', 'rejected', 'curriculum'],
      concurrency: 1,
      async handler({ topic, record }) {
        if (topic === 'unique') kept.set(record.id, record);
        else if (topic === 'replay') seeds.set(record.id, record);
        else if (topic === 'rejected') rejected.set(record.id, record);
        else curriculum.set(`${record.id}#${record.batch?.index ?? 0}`, record.batch?.replay ?? false);
      },
    }),
  );
  subs.push(await transport.subscribeDeadLetters(`${group}.dlq`, async (l) => void letters.push(l)));
  return {
    kept, seeds, rejected, deadLetters: letters,
    curriculum() {
      let replayed = 0;
      for (const r of curriculum.values()) if (r) replayed++;
      return { records: curriculum.size, replayed };
    },
    async stop() {
      for (const s of subs) await s.stop();
    },
    async write(dir) {
      const keptRows = [...kept.values()].sort(byId);
      const seedRows = [...seeds.values()].sort(byId);
      const rejectedRows = [...rejected.values()].sort(byId);
      const lineage = [
        ...seedRows.map((r) => lineageOf(r, 'seed')),
        ...keptRows.map((r) => lineageOf(r, 'kept')),
        ...rejectedRows.map((r) => lineageOf(r, 'rejected')),
      ].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      await Promise.all([
        writeFile(join(dir, 'kept.jsonl'), jsonl(keptRows)),
        writeFile(join(dir, 'seeds.jsonl'), jsonl(seedRows)),
        writeFile(join(dir, 'rejected.jsonl'), jsonl(rejectedRows)),
        writeFile(join(dir, 'lineage.jsonl'), jsonl(lineage)),
        writeFile(join(dir, 'dlq.jsonl'), jsonl(letters)),
      ]);
    },
  };
}
