// Reading a compacted state-log topic back in full: a throwaway consumer group reads every partition
// from the beginning up to the end offsets taken at the start, then leaves and deletes its group.
import { randomUUID } from 'node:crypto';
import { EvolflowError, type StateEntry } from '@evolflow/core';
import type { Admin, Kafka } from 'kafkajs';

export interface ReadStateOptions {
  kafka: Kafka;
  admin: Admin;
  /** Full Kafka topic name. */
  topic: string;
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  onEntry(entry: StateEntry): void;
}

/**
 * Call `onEntry` for every message of `topic` below the end offsets it has now (tombstones skipped),
 * partition by partition in offset order; resolves with how many were read.
 */
export async function readStateTopic(options: ReadStateOptions): Promise<number> {
  const { kafka, admin, topic } = options;
  const ends = await admin.fetchTopicOffsets(topic);
  // The newest message of a log is never compacted away, so offset `high - 1` is always readable.
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  if (remaining.size === 0) return 0;
  const groupId = `${topic}.reader-${process.pid}-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs,
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxBytes: Math.max(10_485_760, options.maxBytesPerPartition * 2),
  });
  let count = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            try {
              for (const m of batch.messages) {
                if (BigInt(m.offset) >= end) break;
                if (m.value === null) continue;
                options.onEntry({
                  key: m.key === null ? '' : m.key.toString('utf8'),
                  value: m.value,
                  where: `${topic}[${batch.partition}]@${m.offset}`,
                });
                count++;
              }
            } catch (err) {
              remaining.clear();
              reject(err);
              return;
            }
            if (!batch.isEmpty() && BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(batch.partition);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch((cause: unknown) =>
          reject(new EvolflowError('transport', `reading ${topic} back failed: ${(cause as Error).message}`, { retriable: true, cause })),
        );
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return count;
}
