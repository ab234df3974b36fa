// One run per Kafka prefix: a lease kept in the compacted one-partition topic `<prefix>lease`.
// A run appends a claim, then reads the topic to its end: the live claim with the lowest offset
// holds the lease (the log's order settles two claims made at once, the same way for both). The
// holder appends a heartbeat every ttl/3; a holder whose last heartbeat is older than its ttl is
// gone (crashed, killed), so the next claim takes over. A clean end appends a release. The topic is
// compacted by owner, so it keeps one small record per run that ever claimed it.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { EvolflowError, type Logger } from '@evolflow/core';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { readStateTopic } from './kafka-state.ts';

/** What a lease record says (the message value, JSON; the key is `owner`). */
export interface LeaseRecord {
  kind: 'claim' | 'beat' | 'release';
  owner: string;
  /** Offset of the owner's claim (on beats and releases; a claim's is its own offset). */
  claimOffset?: string;
  pid: number;
  host: string;
  /** When the owner's run started (ISO), and what it runs. */
  startedAt: string;
  command: string;
  /** When this record was written (ms since the epoch) and how long it keeps the lease alive. */
  at: number;
  ttlMs: number;
}

/** A lease held by this process. */
export interface PrefixLease {
  readonly owner: string;
  /** Took over from a holder whose heartbeats had stopped, if it did. */
  readonly tookOverFrom?: LeaseRecord;
  /** Stop the heartbeats and append a release, so the next run need not wait for the ttl. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  /** How long a holder keeps the lease without a heartbeat (default 30 s): how soon a crashed run's successor can start. */
  ttlMs?: number;
  /** What the holder runs (shown to a second run). */
  command?: string;
  /** Called when heartbeats have failed for longer than the ttl: another run may take the prefix over, so this one must stop. */
  onLost?(why: string): void;
}

/** The exit code the CLI gives a run refused because the prefix (or --out) is in use. */
export const IN_USE_EXIT_CODE = 6;

/** The transport's clients the lease uses. */
export interface LeaseClients {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  logger: Logger;
  sessionTimeoutMs: number;
  /** Create the one-partition compacted lease topic when missing and wait for its leader. */
  ensureTopic(topic: string): Promise<void>;
}

/** The holder after replaying `records` (in offset order) at time `now`: the live claim with the lowest offset. */
export function leaseHolder(
  records: readonly { offset: string; record: LeaseRecord }[],
  now: number,
): { holder: LeaseRecord & { claimOffset: string }; expired: (LeaseRecord & { claimOffset: string })[] } | null {
  const latest = new Map<string, LeaseRecord & { claimOffset: string }>();
  for (const { offset, record } of records)
    latest.set(record.owner, { ...record, claimOffset: record.kind === 'claim' ? offset : (record.claimOffset ?? offset) });
  const live = [...latest.values()].filter((r) => r.kind !== 'release' && r.at + r.ttlMs > now);
  const expired = [...latest.values()].filter((r) => r.kind !== 'release' && r.at + r.ttlMs <= now);
  live.sort((a, b) => (BigInt(a.claimOffset) < BigInt(b.claimOffset) ? -1 : 1));
  const holder = live[0];
  return holder ? { holder, expired } : null;
}

/**
 * Take the lease on `topic` (created when missing) or fail with an error naming the run that holds
 * it. Resolves once this process holds it, heartbeating until `release`.
 */
export async function acquireLease(kafka: LeaseClients, topic: string, options: LeaseOptions = {}): Promise<PrefixLease> {
  const { admin, producer, logger } = kafka;
  const ttlMs = options.ttlMs ?? 30_000;
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const base = { owner, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: options.command ?? '', ttlMs };
  await kafka.ensureTopic(topic);
  const append = async (record: LeaseRecord): Promise<string> => {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: owner, value: JSON.stringify(record) }] });
    return meta?.baseOffset ?? '-1';
  };
  const claimOffset = await append({ ...base, kind: 'claim', at: Date.now() });
  const records: { offset: string; record: LeaseRecord }[] = [];
  await readStateTopic({
    kafka: kafka.kafka,
    admin,
    topic,
    maxBytesPerPartition: 1_048_576,
    sessionTimeoutMs: kafka.sessionTimeoutMs,
    onEntry: (e) => {
      try {
        records.push({ offset: e.where.slice(e.where.lastIndexOf('@') + 1), record: JSON.parse(e.value.toString('utf8')) as LeaseRecord });
      } catch {
        logger.warn(`lease topic ${topic}: ${e.where} is not a lease record; ignored`);
      }
    },
  });
  const now = Date.now();
  const state = leaseHolder(records, now);
  if (!state || state.holder.owner !== owner) {
    await append({ ...base, kind: 'release', claimOffset, at: Date.now() }).catch(() => undefined);
    const h = state?.holder;
    const who = h
      ? `pid ${h.pid} on ${h.host}, started ${h.startedAt}${h.command ? `: ${h.command}` : ''}; its last heartbeat was ${Math.round((now - h.at) / 1000)} s ago`
      : 'another run';
    throw new EvolflowError(
      'transport',
      `Kafka prefix "${topic.slice(0, -'lease'.length)}" is in use by another run (${who}). One run per prefix at a time: wait for it to end, stop it, or use another transport.kafka.prefix. If it crashed, its lease lapses ${Math.round((h?.ttlMs ?? ttlMs) / 1000)} s after its last heartbeat (${topic})`,
      { details: { exitCode: IN_USE_EXIT_CODE, topic } },
    );
  }
  const tookOverFrom = state.expired.filter((r) => BigInt(r.claimOffset) < BigInt(claimOffset)).at(-1);
  if (tookOverFrom)
    logger.warn(
      `took over the Kafka prefix lease (${topic}) from a run whose heartbeats stopped (pid ${tookOverFrom.pid} on ${tookOverFrom.host}, started ${tookOverFrom.startedAt})`,
    );

  let lastBeat = Date.now();
  let released = false;
  let lost = false;
  const beat = async () => {
    try {
      await append({ ...base, kind: 'beat', claimOffset, at: Date.now() });
      lastBeat = Date.now();
    } catch (err) {
      if (!lost && Date.now() - lastBeat > ttlMs) {
        lost = true;
        options.onLost?.(
          `no heartbeat reached ${topic} for ${Math.round((Date.now() - lastBeat) / 1000)} s (${(err as Error).message}): another run may take the prefix over`,
        );
      }
    }
  };
  const timer = setInterval(() => void beat(), Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    owner,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await append({ ...base, kind: 'release', claimOffset, at: Date.now() }).catch((err: unknown) =>
        logger.warn(`releasing the Kafka prefix lease ${topic} failed: ${(err as Error).message}; it lapses after ${ttlMs / 1000} s`),
      );
    },
  };
}
