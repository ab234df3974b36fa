// The Kafka transport (kafkajs): the same semantics as the in-memory one over a real broker.
// Every manifest topic lives under a prefix; records are keyed by seedId (a lineage stays on one
// partition), JSON-encoded and schema-checked on produce and on consume; anything that is not a
// valid record goes to the `dlq` topic with the original bytes and its offset is committed.
// Delivery is at-least-once; downstream writes are idempotent by record id (see scripts/kafka/README.md).
//
// This module assembles the transport from its parts, each with its own lifecycle: KafkaAdmin
// (kafka-admin.ts: topics, offsets), KafkaPublisher (kafka-producer.ts: batched produce, dead
// letters) and KafkaConsumers (kafka-consumer.ts: group members, decoding); state logs and the
// prefix lease (kafka-state.ts, kafka-lease.ts) use the same clients.
import {
  assertRecord,
  EvolflowError,
  isCancelled,
  PIPELINE,
  stageGroup,
  TOPICS,
  type Logger,
  type StateLogName,
  type TopicName,
} from '@evolflow/core';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { KafkaAdmin } from './kafka-admin.ts';
import { decodeRaw, KafkaConsumers, type KafkaSubscription } from './kafka-consumer.ts';
import { KafkaPublisher } from './kafka-producer.ts';
import { readStateTopic } from './kafka-state.ts';
import { acquireLease, type LeaseOptions, type PrefixLease } from './kafka-lease.ts';
import { allCaughtUp, worstLag, type EndOffsets, type GroupTopics } from './kafka-offsets.ts';
import { deadLetterOf, type DeadLetter, type Delivery, type SubscribeOptions, type Transport } from './transport.ts';

export type { KafkaSubscription } from './kafka-consumer.ts';

export interface KafkaTransportOptions {
  /** Bootstrap brokers, `host:port` (use 127.0.0.1, not localhost: Node may resolve it to ::1). */
  brokers: string[];
  /** Prefix of every topic name (default `evolflow.`). */
  prefix?: string;
  /** Partitions of every topic this transport creates (default 3). Existing topics keep theirs. */
  partitions?: number;
  clientId?: string;
  /** Largest record accepted, in bytes (default 1 MiB); bigger ones are dead-lettered on both sides. */
  maxMessageBytes?: number;
  logger?: Logger;
  /** Consumer group prefix of the pipeline's stages, as given to runStage (default: `prefix`, as the CLI does). */
  groupPrefix?: string;
  /** Consumer session timeout (default 10 s): how soon a killed member's partitions move on. */
  sessionTimeoutMs?: number;
}

export interface KafkaTransport extends Transport {
  readonly kind: 'kafka';
  readonly prefix: string;
  readonly groupPrefix: string;
  /** The full Kafka topic name of a pipeline topic (or of a state log, such as the compacted `dedup-changelog`). */
  topicName(topic: TopicName | StateLogName): string;
  subscribe(options: SubscribeOptions): Promise<KafkaSubscription>;
  subscribeDeadLetters(group: string, handler: (letter: DeadLetter) => Promise<void>): Promise<KafkaSubscription>;
  /** Produce raw bytes to a topic as a foreign producer would (tests, bridges): no schema check, no size check. */
  produceRaw(topic: TopicName, value: Uint8Array | string | null, key?: string): Promise<void>;
  /**
   * Take the prefix's lease (`<prefix>lease`, see kafka-lease.ts): one run per prefix at a time. Fails
   * with an error naming the run holding it (exit code 6 in the CLI); a crashed holder's lease lapses
   * `ttlMs` after its last heartbeat, and the next run takes it over.
   */
  acquireLease(options?: LeaseOptions): Promise<PrefixLease>;
}

const CHANGELOG: StateLogName = 'dedup-changelog';

/** A logger that keeps warnings and errors (on stderr) and drops the rest. */
const stderrLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (msg) => process.stderr.write(`[evolflow kafka] warn: ${msg}\n`),
  error: (msg) => process.stderr.write(`[evolflow kafka] error: ${msg}\n`),
};

/**
 * Connect to the brokers, create every manifest topic under the prefix (and the compacted
 * `<prefix>dedup-changelog`) when missing, wait for their leaders, and return the transport.
 */
export async function createKafkaTransport(options: KafkaTransportOptions): Promise<KafkaTransport> {
  const prefix = options.prefix ?? 'evolflow.';
  const groupPrefix = options.groupPrefix ?? prefix;
  const partitions = options.partitions ?? 3;
  const maxMessageBytes = options.maxMessageBytes ?? 1_048_576;
  const logger = options.logger ?? stderrLogger;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
  // The broker accepts more than we do, so an oversized message reaches our consumer and is
  // dead-lettered with a reason instead of being refused at the producer; the dlq holds its base64.
  const topicLimit = maxMessageBytes * 4;
  const dlqLimit = maxMessageBytes * 6 + 65_536;
  const full = (topic: TopicName | StateLogName) => `${prefix}${topic}`;
  const logical = new Map<string, TopicName>(TOPICS.map((t) => [full(t), t]));

  let settingUp = true;
  const kafka = new Kafka({
    clientId: options.clientId ?? 'evolflow',
    brokers: options.brokers,
    connectionTimeout: 5000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const text = `kafkajs ${log.logger ?? ''}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`;
        // While topics are being created, NOT_LEADER answers are expected (see KafkaAdmin.ensureTopics).
        if (level <= logLevel.WARN && !settingUp) logger.warn(text, { groupId: log.groupId });
        else logger.debug(text);
      },
  });
  const admin = new KafkaAdmin(kafka);
  const publisher = new KafkaPublisher({ kafka, brokers: options.brokers, maxMessageBytes, dlqLimit, dlqTopic: full('dlq'), logger });
  try {
    await admin.connect();
    await publisher.connect();
  } catch (cause) {
    await admin.disconnect().catch(() => undefined);
    throw new EvolflowError(
      'transport',
      `cannot reach Kafka at ${options.brokers.join(', ')}: ${(cause as Error).message}. Start a broker with \`scripts/kafka.sh up\` or check transport.kafka.brokers`,
      { retriable: true, cause },
    );
  }
  await admin.ensureTopics([
    ...TOPICS.map((t) => ({
      topic: full(t),
      numPartitions: partitions,
      configEntries: [{ name: 'max.message.bytes', value: String(t === 'dlq' ? dlqLimit : topicLimit) }],
    })),
    {
      topic: full(CHANGELOG),
      numPartitions: partitions,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'max.message.bytes', value: String(topicLimit) },
      ],
    },
  ]);
  settingUp = false;

  const consumers = new KafkaConsumers({
    kafka,
    partitions,
    sessionTimeoutMs,
    maxBytesPerPartition: Math.max(1_048_576, topicLimit),
    logger,
  });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const busy = () => consumers.inFlight > 0 || publisher.unacked > 0;

  /** Every group whose progress decides drained and backlog: the stages' groups and ours. */
  const trackedGroups = (): GroupTopics[] => {
    const groups = new Map<string, Set<string>>();
    for (const spec of PIPELINE) groups.set(stageGroup(groupPrefix, spec.name), new Set(spec.consumes.map(full)));
    for (const [group, topics] of consumers.groups()) {
      const set = groups.get(group) ?? new Set<string>();
      for (const t of topics) set.add(t);
      groups.set(group, set);
    }
    return [...groups].map(([group, topics]) => ({ group, topics: [...topics] }));
  };

  const transport: KafkaTransport = {
    kind: 'kafka',
    prefix,
    groupPrefix,
    topicName: full,

    async publish(topic, records) {
      const messages: Message[] = [];
      const oversized: Promise<void>[] = [];
      for (const record of records) {
        assertRecord(record);
        const value = JSON.stringify(record);
        const size = Buffer.byteLength(value);
        if (size > maxMessageBytes) {
          const err = new EvolflowError(
            'input',
            `record ${record.id} of ${size} bytes exceeds the ${maxMessageBytes}-byte limit for ${full(topic)}; it was dead-lettered`,
          );
          oversized.push(publisher.deadLetter(deadLetterOf(value, err, { topic, key: record.seedId })));
          continue;
        }
        messages.push({ key: record.seedId, value });
      }
      await Promise.all([publisher.enqueue(full(topic), messages), ...oversized]);
    },

    deadLetter: (letter) => publisher.deadLetter(letter),

    produceRaw(topic, value, key) {
      const v = value === null ? null : typeof value === 'string' ? value : Buffer.from(value);
      return publisher.enqueue(full(topic), [{ key: key ?? null, value: v }]);
    },

    subscribe(subscription) {
      const topics = subscription.topics.map(full);
      return consumers.join({
        group: subscription.group,
        topics,
        concurrency: subscription.concurrency,
        onMessage: async (raw, isStopping) => {
          const topic = logical.get(raw.topic) as TopicName;
          const decoded = decodeRaw(raw, { topic, maxMessageBytes });
          const key = raw.message.key === null ? '' : raw.message.key.toString('utf8');
          if (decoded instanceof EvolflowError) {
            const bytes = raw.message.value ?? new Uint8Array();
            return publisher.deadLetterSurely(
              deadLetterOf(bytes, decoded, {
                topic,
                partition: raw.partition,
                offset: raw.message.offset,
                key: raw.message.key === null ? null : key,
              }),
              isStopping,
            );
          }
          const delivery: Delivery = { topic, record: decoded, key, partition: raw.partition, offset: raw.message.offset };
          try {
            await subscription.handler(delivery);
          } catch (err) {
            // A stop cancelled the record's work (runStage rethrows it): left uncommitted, redelivered to a resume.
            if (isCancelled(err)) return false;
            // Handlers own their errors (runStage dead-letters); a throw must not wedge the partition.
            logger.error(
              `group ${subscription.group}: handler threw on record ${decoded.id} (${raw.topic}[${raw.partition}]@${raw.message.offset}): ${(err as Error).message}`,
              { recordId: decoded.id },
            );
          }
          return true;
        },
      });
    },

    subscribeDeadLetters(group, handler) {
      return consumers.join({
        group,
        topics: [full('dlq')],
        concurrency: 8,
        onMessage: async (raw) => {
          let letter: DeadLetter;
          try {
            letter = JSON.parse(utf8.decode(raw.message.value ?? new Uint8Array())) as DeadLetter;
            if (typeof letter !== 'object' || letter === null || typeof letter.valueBase64 !== 'string')
              throw new Error('not a dead letter');
          } catch (err) {
            letter = deadLetterOf(
              raw.message.value ?? new Uint8Array(),
              new EvolflowError(
                'schema',
                `message ${raw.topic}[${raw.partition}]@${raw.message.offset} on the dlq is not a dead letter: ${(err as Error).message}`,
              ),
              { topic: 'dlq', partition: raw.partition, offset: raw.message.offset },
            );
          }
          try {
            await handler(letter);
          } catch (err) {
            logger.error(`dead-letter handler of group ${group} threw: ${(err as Error).message}`);
          }
          return true;
        },
      });
    },

    async isDrained() {
      if (busy()) return false;
      const groups = trackedGroups();
      try {
        // Committed offsets first, then end offsets: a commit seen here was made after its outputs
        // were acknowledged, so those outputs are inside the end offsets read next.
        const committed = await admin.committedOf(groups);
        const ends = await admin.endsOf([...new Set(groups.flatMap((g) => g.topics))]);
        return allCaughtUp(groups, committed, ends) && !busy();
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) return false; // a leader moving, a coordinator loading: ask again
        throw new EvolflowError(
          'transport',
          `reading consumer offsets from ${options.brokers.join(', ')} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
    },

    async backlog(topic) {
      const name = full(topic);
      const groups = trackedGroups().filter((g) => g.topics.includes(name));
      const committed = await admin.committedOf(groups);
      const ends = (await admin.endsOf([name])).get(name) as EndOffsets;
      return worstLag(groups, committed, { topic: name, ends });
    },

    stateLog(name) {
      const topic = full(name);
      return {
        // Keyed by the entry's key, so compaction keeps the latest; acks=all like every publish.
        append: (entries) =>
          publisher.enqueue(
            topic,
            entries.map(({ key, value }) => ({ key, value })),
          ),
        read: (onEntry) =>
          readStateTopic({
            kafka,
            admin: admin.admin,
            topic,
            maxBytesPerPartition: Math.max(1_048_576, topicLimit),
            sessionTimeoutMs,
            onEntry,
          }),
      };
    },

    acquireLease(leaseOptions) {
      const ensureTopic = (topic: string) =>
        admin.ensureTopics([{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
      return acquireLease(
        { kafka, admin: admin.admin, producer: publisher.producer, logger, sessionTimeoutMs, ensureTopic },
        `${prefix}lease`,
        leaseOptions,
      );
    },

    async close() {
      await consumers.close();
      await publisher.close();
      await admin.disconnect();
    },
  };
  return transport;
}
