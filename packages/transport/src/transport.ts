// The Transport interface: what every implementation (in-memory, Kafka) offers runStage.
// Semantics shared by all: topics are logs; each consumer group sees every message once it has
// subscribed; a delivery is committed when the handler resolves; messages that are not valid
// records never reach a handler, they go to the dead-letter topic with their original bytes.
import type { EvolRecord, StageEnv, StateLog, StateLogName, TopicName } from '@evolflow/core';

/** One consumed record, with where it came from. */
export interface Delivery {
  topic: TopicName;
  record: EvolRecord;
  /** Partition key (the record's seedId). */
  key: string;
  partition: number;
  offset: string;
}

/** What goes to the `dlq` topic: the error and the original bytes, so nothing is lost. */
export interface DeadLetter {
  error: string;
  code: string;
  /** Where the message was read, or which stage failed on it. */
  topic?: string;
  partition?: number;
  offset?: string;
  stage?: string;
  key?: string | null;
  /** The original message bytes, base64. */
  valueBase64: string;
  at: string;
}

export interface SubscribeOptions {
  group: string;
  topics: readonly TopicName[];
  /** Most handler calls in flight at once for this subscription. */
  concurrency: number;
  /**
   * Called once per delivery; the delivery is committed when it resolves. It should not throw, except with a
   * `cancelled` error (a stop cut its work: runStage rethrows it), which leaves the delivery uncommitted where the
   * transport commits (Kafka), for a resume.
   */
  handler(delivery: Delivery): Promise<void>;
}

export interface Subscription {
  /** Stop taking new deliveries, wait for those in flight, commit, and leave the group. */
  stop(): Promise<void>;
}

export interface Transport {
  readonly kind: 'memory' | 'kafka';
  /** Publish records to a topic (schema-checked, keyed by seedId). Resolves when durable. */
  publish(topic: TopicName, records: readonly EvolRecord[]): Promise<void>;
  /** Publish a dead letter to the `dlq` topic. */
  deadLetter(letter: DeadLetter): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Consume the dead-letter topic (the run's sink writes it to `dlq.jsonl`). */
  subscribeDeadLetters(group: string, handler: (letter: DeadLetter) => Promise<void>): Promise<Subscription>;
  /**
   * True when every message published so far has been handled and committed by every group
   * subscribed to its topic, and nothing is in flight: a finite run is over when this holds
   * after its sources are exhausted.
   */
  isDrained(): Promise<boolean>;
  /** Messages published to `topic` not yet committed by the slowest group (backpressure for sources). */
  backlog(topic: TopicName): Promise<number>;
  /** A stage's compacted state log (the dedup stage's kept set); see StateLog in @evolflow/core. */
  stateLog(name: StateLogName): StateLog;
  close(): Promise<void>;
}

/** Build a dead letter from raw bytes and an error. */
export function deadLetterOf(
  value: Uint8Array | string,
  err: unknown,
  where: Omit<DeadLetter, 'error' | 'code' | 'valueBase64' | 'at'> = {},
): DeadLetter {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const e = err as { message?: string; code?: unknown };
  return {
    error: e?.message ?? String(err),
    code: typeof e?.code === 'string' ? e.code : 'internal',
    ...where,
    valueBase64: bytes.toString('base64'),
    at: new Date().toISOString(),
  };
}

/**
 * What a transport adds to a StageEnv: its state logs, where they outlive the process (Kafka).
 * The in-memory transport's would die with the process, so there stages persist by snapshots only
 * and pay no per-record write.
 */
export function stateLogsOf(transport: Transport): Pick<StageEnv, 'stateLog'> {
  return transport.kind === 'memory' ? {} : { stateLog: (name) => transport.stateLog(name) };
}
