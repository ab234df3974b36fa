// One consumer-group member of the Kafka transport: fetches batches with kafkajs, runs up to
// `concurrency` message handlers at once (across partitions and within one), commits only the
// contiguous prefix of completed offsets per partition, and stops gracefully (finish in-flight,
// commit, leave the group). Backpressure: while every slot is taken the batch loop waits (with
// heartbeats) instead of taking more messages, so kafkajs fetches nothing new for those partitions.
import type { Logger } from '@evolflow/core';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { contiguousTracker } from './kafka-offsets.ts';

/** One message handed to a consumer's `onMessage`. */
export interface RawMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

export interface MemberOptions {
  kafka: Kafka;
  group: string;
  /** Full Kafka topic names. */
  topics: readonly string[];
  concurrency: number;
  /** Partitions per topic (to size kafkajs' `partitionsConsumedConcurrently`). */
  partitions: number;
  sessionTimeoutMs: number;
  maxBytesPerPartition: number;
  logger: Logger;
  /** Handle one message; resolve `true` to let its offset be committed, `false` to leave it for redelivery. */
  onMessage(message: RawMessage): Promise<boolean>;
}

/** A running group member. */
export interface GroupMember {
  readonly group: string;
  /** Partitions currently assigned to this member, by full topic name. */
  assignment(): Record<string, number[]>;
  /** Resolves once the member has joined its group for the first time. */
  readonly joined: Promise<void>;
  /** Messages handed to `onMessage` and not yet finished. */
  inFlight(): number;
  /** Stop taking messages, finish those in flight, commit, leave the group. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A counting semaphore whose waiters can be released all at once on stop. */
function slots(size: number) {
  let used = 0;
  const waiters: (() => void)[] = [];
  return {
    get used() {
      return used;
    },
    tryTake(): boolean {
      if (used >= size) return false;
      used++;
      return true;
    },
    /** Resolves when a slot may be free (or after `ms`, so the caller can heartbeat). */
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(wake);
          if (i >= 0) waiters.splice(i, 1);
          resolve();
        }, ms);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(wake);
      });
    },
    release(): void {
      used--;
      waiters.shift()?.();
    },
    wakeAll(): void {
      for (const w of waiters.splice(0)) w();
    },
  };
}

/** Join `group` and start consuming; resolves once the consumer runs (see `joined` for the first join). */
export async function startGroupMember(options: MemberOptions): Promise<GroupMember> {
  const { logger, group } = options;
  const consumer: Consumer = options.kafka.consumer({
    groupId: group,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
    rebalanceTimeout: Math.max(options.sessionTimeoutMs * 2, 20_000),
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxBytes: Math.max(options.maxBytesPerPartition * 4, 10_485_760),
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  const pool = slots(Math.max(1, options.concurrency));
  let stopping = false;
  let assignment: Record<string, number[]> = {};
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((r) => (markJoined = r));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignment = e.payload.memberAssignment;
    markJoined();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    logger.error(`kafka consumer of group ${group} crashed (${e.payload.restart ? 'restarting' : 'not restarting'}): ${String(e.payload.error)}`, { group });
  });

  const commit = async (payload: EachBatchPayload): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
        return;
      } catch (err) {
        const type = (err as { type?: string }).type;
        // A rebalance in progress may pass; a lost generation means the partition moved: the new
        // owner starts from the last commit and redelivers (at-least-once), so give up quietly.
        if (type === 'REBALANCE_IN_PROGRESS' && attempt < 5 && !payload.isStale()) {
          await sleep(200 * attempt);
          continue;
        }
        logger.warn(`kafka group ${group}: commit failed (${type ?? String(err)}); uncommitted messages will be redelivered`, { group });
        return;
      }
    }
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const messages = batch.messages;
    const tracker = contiguousTracker(messages.length);
    const running: Promise<void>[] = [];
    let lastCommit = Date.now();
    // A heartbeat that fails (the group is rebalancing) ends the batch: finish what is in flight,
    // try to commit, then rethrow so kafkajs rejoins the group.
    let beatError: unknown;
    const beat = async () => {
      try {
        await payload.heartbeat();
      } catch (err) {
        beatError ??= err;
      }
    };
    for (let i = 0; i < messages.length; i++) {
      let took = false;
      while (!stopping && beatError === undefined && payload.isRunning() && !payload.isStale()) {
        if ((took = pool.tryTake())) break;
        await pool.wait(1000);
        await beat();
      }
      if (!took) break; // stopping or rebalanced: the rest stays uncommitted and is redelivered
      const index = i;
      const message = messages[index] as KafkaMessage;
      const task = options
        .onMessage({ topic: batch.topic, partition: batch.partition, message })
        .catch((err: unknown) => {
          logger.error(`kafka group ${group}: ${batch.topic}[${batch.partition}]@${message.offset} failed: ${String(err)}; it will be redelivered`, { group });
          return false;
        })
        .then((done) => {
          pool.release();
          if (!done) return;
          const end = tracker.complete(index);
          if (end >= 0) payload.resolveOffset((messages[end] as KafkaMessage).offset);
        });
      running.push(task);
      if (Date.now() - lastCommit > 1000) {
        lastCommit = Date.now();
        await commit(payload);
        await beat();
      }
    }
    await Promise.all(running);
    await commit(payload);
    if (beatError !== undefined) throw beatError;
  };

  await consumer.connect();
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.max(1, Math.min(options.concurrency, options.partitions * options.topics.length)),
    eachBatch,
  });

  return {
    group,
    joined,
    assignment: () => assignment,
    inFlight: () => pool.used,
    async stop() {
      if (stopping) return;
      stopping = true;
      pool.wakeAll();
      // kafkajs' disconnect waits for the running eachBatch calls (which finish their in-flight
      // messages and commit) before leaving the group.
      await consumer.disconnect();
    },
  };
}
