// One consumer-group member of the Kafka transport: fetches batches with kafkajs, runs up to
// `concurrency` message handlers at once (across partitions and within one), commits per partition
// only the offsets below the lowest one still in flight, and stops gracefully (finish in-flight,
// commit, leave the group). A batch returns to kafkajs once all its messages have started, so the
// next fetch overlaps the work in flight. Backpressure: while every slot is taken the batch loop
// waits (with heartbeats) instead of starting more, so kafkajs fetches nothing more meanwhile.
//
// KafkaConsumers (below) is the transport's consumer side: the members it started and a close that
// stops them; decodeRaw turns a consumed message into a record or the error that dead-letters it.
import { decodeMessage, EvolflowError, type EvolRecord, type Logger, type TopicName } from '@evolflow/core';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { committableOffset } from './kafka-offsets.ts';
import type { Subscription } from './transport.ts';

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
  /** Stop taking messages, finish those in flight, commit, leave the group. */
  stop(): Promise<void>;
}

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
    // How long an idle fetch waits for data. Stopping a member waits for its fetch in flight, so
    // this is also the floor of every stop (a finite run stops eight members in a row); data that
    // arrives ends the wait at once, so a shorter wait costs only more idle polls (10/s here).
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  const pool = slots(Math.max(1, options.concurrency));
  let stopping = false;
  let assignment: Record<string, number[]> = {};
  let markJoined: () => void = () => undefined;
  const joined = new Promise<void>((r) => (markJoined = r));

  /** Per partition of the current generation: offsets in flight, the next to start, the last commit. */
  interface PartitionState {
    topic: string;
    partition: number;
    inFlight: Set<bigint>;
    next: bigint;
    committed: bigint;
  }
  let states = new Map<string, PartitionState>();
  const running = new Set<Promise<void>>();

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // A new generation: kafkajs restarts every assigned partition from its committed offset, so
    // work still in flight from before is redelivered there; its completion must not move commits.
    states = new Map();
    assignment = e.payload.memberAssignment;
    markJoined();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    logger.error(
      `kafka consumer of group ${group} crashed (${e.payload.restart ? 'restarting' : 'not restarting'}): ${String(e.payload.error)}`,
      { group },
    );
  });

  // Commits run one at a time, shortly after a completion, for every partition that moved.
  let committing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const commitNow = async (): Promise<void> => {
    while (committing) await committing;
    dirty = false;
    const moved = [...states.values()]
      .map((st) => ({ st, offset: committableOffset(st.next, st.inFlight) }))
      .filter(({ st, offset }) => offset > st.committed);
    if (moved.length === 0) return;
    committing = (async () => {
      try {
        await consumer.commitOffsets(moved.map(({ st, offset }) => ({ topic: st.topic, partition: st.partition, offset: String(offset) })));
        for (const { st, offset } of moved) if (offset > st.committed) st.committed = offset;
      } catch (err) {
        // A rebalance in progress or a lost generation: the next commit (or the next owner) catches up.
        logger.debug(`kafka group ${group}: commit failed (${String(err)}); will retry`, { group });
        dirty = true;
      }
    })();
    await committing;
    committing = undefined;
  };
  const scheduleCommit = () => {
    dirty = true;
    timer ??= setTimeout(() => {
      timer = undefined;
      void commitNow().then(() => (dirty && !stopping ? scheduleCommit() : undefined));
    }, 20);
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const key = `${batch.topic}|${batch.partition}`;
    // A heartbeat that fails (the group is rebalancing) ends the batch; rethrown so kafkajs rejoins.
    let beatError: unknown;
    const beat = async () => {
      try {
        await payload.heartbeat();
      } catch (err) {
        beatError ??= err;
      }
    };
    for (const message of batch.messages) {
      let took = false;
      while (!stopping && beatError === undefined && payload.isRunning() && !payload.isStale()) {
        if ((took = pool.tryTake())) break;
        await pool.wait(1000);
        await beat();
      }
      if (!took) break; // stopping or rebalanced: the rest stays uncommitted and is redelivered
      const offset = BigInt(message.offset);
      let st = states.get(key);
      if (!st)
        states.set(key, (st = { topic: batch.topic, partition: batch.partition, inFlight: new Set(), next: offset, committed: offset }));
      const state = st;
      state.inFlight.add(offset);
      if (offset + 1n > state.next) state.next = offset + 1n;
      payload.resolveOffset(message.offset); // kafkajs' next fetch starts after it; commits do not
      const task = options
        .onMessage({ topic: batch.topic, partition: batch.partition, message })
        .catch((err: unknown) => {
          logger.error(
            `kafka group ${group}: ${batch.topic}[${batch.partition}]@${message.offset} failed: ${String(err)}; it will be redelivered`,
            { group },
          );
          return false;
        })
        .then((done) => {
          pool.release();
          // Not done: it stays "in flight" so nothing at or above it is committed, and is redelivered.
          if (done && states.get(key) === state) {
            state.inFlight.delete(offset);
            scheduleCommit();
          }
        });
      running.add(task);
      void task.finally(() => running.delete(task));
    }
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
    async stop() {
      if (stopping) return;
      stopping = true;
      pool.wakeAll();
      // Fetch nothing more while the work in flight finishes, then commit while the consumer still
      // runs (kafkajs ignores commits once it is stopping), then leave the group.
      consumer.pause(options.topics.map((topic) => ({ topic })));
      while (running.size > 0) await Promise.all([...running]);
      if (timer) clearTimeout(timer);
      timer = undefined;
      await commitNow();
      await consumer.disconnect();
    },
  };
}

/** A subscription of the Kafka transport: one member of a consumer group. */
export interface KafkaSubscription extends Subscription {
  readonly group: string;
  /** Resolves once this member has joined its group for the first time. */
  readonly joined: Promise<void>;
  /** Partitions assigned to this member right now, by full topic name. */
  assignment(): Record<string, number[]>;
}

export type KafkaConsumersOptions = Pick<MemberOptions, 'kafka' | 'partitions' | 'sessionTimeoutMs' | 'maxBytesPerPartition' | 'logger'>;

export interface JoinOptions {
  group: string;
  /** Full Kafka topic names. */
  topics: readonly string[];
  concurrency: number;
  /** Handle one message (`isStopping`: the member is leaving); resolve `true` to let its offset be committed. */
  onMessage(raw: RawMessage, isStopping: () => boolean): Promise<boolean>;
}

/**
 * The transport's consumer side: every group member it started, the groups and topics they read (for
 * drained and backlog), the messages in their handlers right now, and a close that stops them all.
 */
export class KafkaConsumers {
  readonly #options: KafkaConsumersOptions;
  readonly #members = new Set<KafkaSubscription>();
  readonly #groups = new Map<string, Set<string>>();
  #inFlight = 0;

  constructor(options: KafkaConsumersOptions) {
    this.#options = options;
  }

  /** Messages inside a handler now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Every group joined so far, with the full names of the topics it reads. */
  groups(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#groups;
  }

  /** Start one member of `group` on `topics`. */
  async join(options: JoinOptions): Promise<KafkaSubscription> {
    const { group, topics, concurrency, onMessage } = options;
    let stopping = false;
    const isStopping = () => stopping;
    let seen = this.#groups.get(group);
    if (!seen) this.#groups.set(group, (seen = new Set()));
    for (const t of topics) seen.add(t);
    const member = await startGroupMember({
      ...this.#options,
      group,
      topics,
      concurrency,
      onMessage: async (raw) => {
        this.#inFlight++;
        try {
          return await onMessage(raw, isStopping);
        } finally {
          this.#inFlight--;
        }
      },
    });
    const subscription: KafkaSubscription = {
      group,
      joined: member.joined,
      assignment: () => member.assignment(),
      stop: async () => {
        stopping = true;
        await member.stop();
        this.#members.delete(subscription);
      },
    };
    this.#members.add(subscription);
    return subscription;
  }

  /** Stop every member (each finishes its messages in flight and commits). */
  async close(): Promise<void> {
    await Promise.all([...this.#members].map((s) => s.stop()));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The record in a consumed message, or the error that sends it to the dlq (named by topic, partition and offset). */
export function decodeRaw(raw: RawMessage, options: { topic: TopicName; maxMessageBytes: number }): EvolRecord | EvolflowError {
  const { topic, maxMessageBytes } = options;
  const where = `${raw.topic}[${raw.partition}]@${raw.message.offset}`;
  const value = raw.message.value;
  if (value === null)
    return new EvolflowError('schema', `message ${where} has no value (a tombstone); producers must send one JSON record per message`);
  if (value.byteLength > maxMessageBytes) {
    return new EvolflowError(
      'input',
      `message ${where} of ${value.byteLength} bytes exceeds the ${maxMessageBytes}-byte limit (transport.kafka maxMessageBytes); split the record or raise the limit`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch (cause) {
    return new EvolflowError('schema', `message ${where} is not UTF-8 text; producers must send UTF-8 JSON records`, { cause });
  }
  try {
    // On `seeds`, plain seed objects (Alpaca, ShareGPT...) are accepted too, as in memory.
    return decodeMessage(topic, text, { partition: raw.partition, offset: raw.message.offset });
  } catch (err) {
    const e = err as Error;
    return new EvolflowError('schema', `message ${where} on ${topic}: ${e.message}`, { cause: err });
  }
}
