// The Kafka transport (kafkajs): the same semantics as the in-memory one over a real broker.
// Every manifest topic lives under a prefix; records are keyed by seedId (a lineage stays on one
// partition), JSON-encoded and schema-checked on produce and on consume; anything that is not a
// valid record goes to the `dlq` topic with the original bytes and its offset is committed.
// Delivery is at-least-once; downstream writes are idempotent by record id (see scripts/kafka/README.md).
import { assertRecord, decodeMessage, EvolflowError, PIPELINE, stageGroup, TOPICS, type EvolRecord, type Logger, type StateLogName, type TopicName } from '@evolflow/core';
import { Kafka, logLevel, Partitioners, type Admin, type Message, type Producer } from 'kafkajs';
import { startGroupMember, type RawMessage } from './kafka-consumer.ts';
import { readStateTopic } from './kafka-state.ts';
import { acquireLease, type LeaseOptions, type PrefixLease } from './kafka-lease.ts';
import { allCaughtUp, worstLag, type CommittedOffsets, type EndOffsets, type GroupTopics } from './kafka-offsets.ts';
import { deadLetterOf, type DeadLetter, type Delivery, type SubscribeOptions, type Subscription, type Transport } from './transport.ts';

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

/** A subscription of the Kafka transport: one member of a consumer group. */
export interface KafkaSubscription extends Subscription {
  readonly group: string;
  /** Resolves once this member has joined its group for the first time. */
  readonly joined: Promise<void>;
  /** Partitions assigned to this member right now, by full topic name. */
  assignment(): Record<string, number[]>;
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

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

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
    logCreator: () => ({ level, log }) => {
      const text = `kafkajs ${log.logger ?? ''}: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`;
      // While topics are being created, NOT_LEADER answers are expected (see ensureTopics).
      if (level <= logLevel.WARN && !settingUp) logger.warn(text, { groupId: log.groupId });
      else logger.debug(text);
    },
  });
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner, // murmur2, like the Java client
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  try {
    await admin.connect();
    await producer.connect();
  } catch (cause) {
    await admin.disconnect().catch(() => undefined);
    throw new EvolflowError('transport', `cannot reach Kafka at ${options.brokers.join(', ')}: ${(cause as Error).message}. Start a broker with \`scripts/kafka.sh up\` or check transport.kafka.brokers`, { retriable: true, cause });
  }
  await ensureTopics(admin, [
    ...TOPICS.map((t) => ({ topic: full(t), numPartitions: partitions, configEntries: [{ name: 'max.message.bytes', value: String(t === 'dlq' ? dlqLimit : topicLimit) }] })),
    { topic: full(CHANGELOG), numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'max.message.bytes', value: String(topicLimit) }] },
  ]);
  settingUp = false;

  // Publishing: calls made in the same event-loop turn go out as one produce request per chunk.
  let queue: Pending[] = [];
  let scheduled = false;
  let unacked = 0;
  const flush = () => {
    scheduled = false;
    const items = queue;
    queue = [];
    let chunk: Pending[] = [];
    let bytes = 0;
    const send = (part: Pending[]) => {
      const byTopic = new Map<string, Message[]>();
      for (const p of part) {
        const list = byTopic.get(p.topic);
        if (list) list.push(...p.messages);
        else byTopic.set(p.topic, [...p.messages]);
      }
      producer
        .sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
        .then(
          () => part.forEach((p) => p.resolve()),
          (cause: unknown) => {
            const err = new EvolflowError('transport', `publishing to ${[...byTopic.keys()].join(', ')} at ${options.brokers.join(', ')} failed: ${(cause as Error).message}`, { retriable: true, cause });
            part.forEach((p) => p.reject(err));
          },
        );
    };
    for (const item of items) {
      if (chunk.length > 0 && bytes + item.bytes > maxMessageBytes) {
        send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += item.bytes;
    }
    if (chunk.length > 0) send(chunk);
  };
  const enqueueOne = (topic: string, messages: Message[], bytes: number): Promise<void> => {
    unacked++;
    return new Promise<void>((resolve, reject) => {
      queue.push({ topic, messages, bytes, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    }).finally(() => unacked--);
  };
  /** Queue messages (each at most `topicLimit` bytes) in parts of about `maxMessageBytes`, so no request exceeds the broker's limit. */
  const enqueue = async (topic: string, messages: Message[]): Promise<void> => {
    const parts: Promise<void>[] = [];
    let part: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = m.value === null || m.value === undefined ? 0 : Buffer.byteLength(m.value);
      if (part.length > 0 && bytes + size > maxMessageBytes) {
        parts.push(enqueueOne(topic, part, bytes));
        part = [];
        bytes = 0;
      }
      part.push(m);
      bytes += size;
    }
    if (part.length > 0) parts.push(enqueueOne(topic, part, bytes));
    await Promise.all(parts);
  };

  const deadLetter = async (letter: DeadLetter): Promise<void> => {
    let value = JSON.stringify(letter);
    if (Buffer.byteLength(value) > dlqLimit - 1024) {
      const keep = Math.floor((dlqLimit - 4096) * 0.7);
      value = JSON.stringify({ ...letter, error: `${letter.error} [original bytes truncated to ${keep} base64 chars]`, valueBase64: letter.valueBase64.slice(0, keep) });
    }
    await enqueue(full('dlq'), [{ key: letter.key ?? null, value }]);
  };

  // Dead-letter publishing must succeed before the offset is committed: retry until it does.
  const deadLetterSurely = async (letter: DeadLetter, isStopping: () => boolean): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await deadLetter(letter);
        return true;
      } catch (err) {
        logger.error(`dead-lettering ${letter.topic}[${letter.partition}]@${letter.offset} failed (attempt ${attempt}): ${(err as Error).message}`);
        if (isStopping()) return false;
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
  };

  const utf8 = new TextDecoder('utf-8', { fatal: true });
  /** The record in a message, or the error that sends it to the dlq. */
  const decode = (raw: RawMessage, topic: TopicName): EvolRecord | EvolflowError => {
    const where = `${raw.topic}[${raw.partition}]@${raw.message.offset}`;
    const value = raw.message.value;
    if (value === null) return new EvolflowError('schema', `message ${where} has no value (a tombstone); producers must send one JSON record per message`);
    if (value.byteLength > maxMessageBytes) {
      return new EvolflowError('input', `message ${where} of ${value.byteLength} bytes exceeds the ${maxMessageBytes}-byte limit (transport.kafka maxMessageBytes); split the record or raise the limit`);
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
  };

  const subscriptions = new Set<KafkaSubscription>();
  const subscribedGroups = new Map<string, Set<string>>();
  let inFlight = 0;

  const join = async (group: string, topics: readonly string[], concurrency: number, onMessage: (raw: RawMessage, isStopping: () => boolean) => Promise<boolean>): Promise<KafkaSubscription> => {
    let stopping = false;
    const isStopping = () => stopping;
    let seen = subscribedGroups.get(group);
    if (!seen) subscribedGroups.set(group, (seen = new Set()));
    for (const t of topics) seen.add(t);
    const member = await startGroupMember({
      kafka,
      group,
      topics,
      concurrency,
      partitions,
      sessionTimeoutMs,
      maxBytesPerPartition: Math.max(1_048_576, topicLimit),
      logger,
      onMessage: async (raw) => {
        inFlight++;
        try {
          return await onMessage(raw, isStopping);
        } finally {
          inFlight--;
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
        subscriptions.delete(subscription);
      },
    };
    subscriptions.add(subscription);
    return subscription;
  };

  /** Every group whose progress decides drained and backlog: the stages' groups and ours. */
  const trackedGroups = (): GroupTopics[] => {
    const groups = new Map<string, Set<string>>();
    for (const spec of PIPELINE) groups.set(stageGroup(groupPrefix, spec.name), new Set(spec.consumes.map(full)));
    for (const [group, topics] of subscribedGroups) {
      const set = groups.get(group) ?? new Set<string>();
      for (const t of topics) set.add(t);
      groups.set(group, set);
    }
    return [...groups].map(([group, topics]) => ({ group, topics: [...topics] }));
  };

  const committedOf = async (groups: readonly GroupTopics[]): Promise<Map<string, CommittedOffsets>> => {
    const result = new Map<string, CommittedOffsets>();
    await Promise.all(
      groups.map(async ({ group, topics }) => {
        const offsets = await admin.fetchOffsets({ groupId: group, topics: [...topics] });
        result.set(group, new Map(offsets.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset]))])));
      }),
    );
    return result;
  };

  const endsOf = async (topics: readonly string[]): Promise<Map<string, EndOffsets>> => {
    const result = new Map<string, EndOffsets>();
    await Promise.all(
      topics.map(async (topic) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        result.set(topic, new Map(offsets.map((p) => [p.partition, { low: p.low, high: p.high }])));
      }),
    );
    return result;
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
          const err = new EvolflowError('input', `record ${record.id} of ${size} bytes exceeds the ${maxMessageBytes}-byte limit for ${full(topic)}; it was dead-lettered`);
          oversized.push(deadLetter(deadLetterOf(value, err, { topic, key: record.seedId })));
          continue;
        }
        messages.push({ key: record.seedId, value });
      }
      await Promise.all([enqueue(full(topic), messages), ...oversized]);
    },

    deadLetter,

    produceRaw(topic, value, key) {
      const v = value === null ? null : typeof value === 'string' ? value : Buffer.from(value);
      return enqueue(full(topic), [{ key: key ?? null, value: v }]);
    },

    subscribe(subscription) {
      const topics = subscription.topics.map(full);
      return join(subscription.group, topics, subscription.concurrency, async (raw, isStopping) => {
        const topic = logical.get(raw.topic) as TopicName;
        const decoded = decode(raw, topic);
        const key = raw.message.key === null ? '' : raw.message.key.toString('utf8');
        if (decoded instanceof EvolflowError) {
          const bytes = raw.message.value ?? new Uint8Array();
          return deadLetterSurely(deadLetterOf(bytes, decoded, { topic, partition: raw.partition, offset: raw.message.offset, key: raw.message.key === null ? null : key }), isStopping);
        }
        const delivery: Delivery = { topic, record: decoded, key, partition: raw.partition, offset: raw.message.offset };
        try {
          await subscription.handler(delivery);
        } catch (err) {
          // Handlers own their errors (runStage dead-letters); a throw must not wedge the partition.
          logger.error(`group ${subscription.group}: handler threw on record ${decoded.id} (${raw.topic}[${raw.partition}]@${raw.message.offset}): ${(err as Error).message}`, { recordId: decoded.id });
        }
        return true;
      });
    },

    subscribeDeadLetters(group, handler) {
      return join(group, [full('dlq')], 8, async (raw) => {
        let letter: DeadLetter;
        try {
          letter = JSON.parse(utf8.decode(raw.message.value ?? new Uint8Array())) as DeadLetter;
          if (typeof letter !== 'object' || letter === null || typeof letter.valueBase64 !== 'string') throw new Error('not a dead letter');
        } catch (err) {
          letter = deadLetterOf(raw.message.value ?? new Uint8Array(), new EvolflowError('schema', `message ${raw.topic}[${raw.partition}]@${raw.message.offset} on the dlq is not a dead letter: ${(err as Error).message}`), { topic: 'dlq', partition: raw.partition, offset: raw.message.offset });
        }
        try {
          await handler(letter);
        } catch (err) {
          logger.error(`dead-letter handler of group ${group} threw: ${(err as Error).message}`);
        }
        return true;
      });
    },

    async isDrained() {
      if (inFlight > 0 || unacked > 0) return false;
      const groups = trackedGroups();
      try {
        // Committed offsets first, then end offsets: a commit seen here was made after its outputs
        // were acknowledged, so those outputs are inside the end offsets read next.
        const committed = await committedOf(groups);
        const ends = await endsOf([...new Set(groups.flatMap((g) => g.topics))]);
        return allCaughtUp(groups, committed, ends) && inFlight === 0 && unacked === 0;
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable) return false; // a leader moving, a coordinator loading: ask again
        throw new EvolflowError('transport', `reading consumer offsets from ${options.brokers.join(', ')} failed: ${(err as Error).message}`, { cause: err });
      }
    },

    async backlog(topic) {
      const name = full(topic);
      const groups = trackedGroups().filter((g) => g.topics.includes(name));
      const committed = await committedOf(groups);
      const ends = (await endsOf([name])).get(name) as EndOffsets;
      return worstLag(groups, name, committed, ends);
    },

    stateLog(name) {
      const topic = full(name);
      return {
        // Keyed by the entry's key, so compaction keeps the latest; acks=all like every publish.
        append: (entries) => enqueue(topic, entries.map(({ key, value }) => ({ key, value }))),
        read: (onEntry) => readStateTopic({ kafka, admin, topic, maxBytesPerPartition: Math.max(1_048_576, topicLimit), sessionTimeoutMs, onEntry }),
      };
    },

    acquireLease(leaseOptions) {
      const ensureTopic = (topic: string) => ensureTopics(admin, [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
      return acquireLease({ kafka, admin, producer, logger, sessionTimeoutMs, ensureTopic }, `${prefix}lease`, leaseOptions);
    },

    async close() {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      if (scheduled) flush();
      while (unacked > 0) await new Promise((r) => setTimeout(r, 10));
      await producer.disconnect();
      await admin.disconnect();
    },
  };
  return transport;
}

/** Create the missing topics and wait until every partition of every topic has a leader. */
async function ensureTopics(admin: Admin, topics: { topic: string; numPartitions: number; configEntries: { name: string; value: string }[] }[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
    } catch (err) {
      // Another process created some of them first: fine. Anything else is a real problem.
      const errors = (err as { errors?: { type?: string }[] }).errors;
      if (!errors || !errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) {
        throw new EvolflowError('transport', `creating Kafka topics ${missing.map((t) => t.topic).join(', ')} failed: ${(err as Error).message}`, { retriable: true, cause: err });
      }
    }
  }
  // Metadata naming a leader is not enough on a fresh KRaft topic: the broker can still answer
  // NOT_LEADER for a moment, and kafkajs then retries the whole produce request, duplicating the
  // partitions that had succeeded. So wait until every partition answers a ListOffsets request.
  const names = topics.map((t) => t.topic);
  let pending = missing.length > 0 ? names : [];
  for (let attempt = 0; ; attempt++) {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
    const leaderless = meta.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
    if (leaderless.length === 0) {
      const answers = await Promise.all(pending.map((topic) => admin.fetchTopicOffsets(topic).then(() => '', () => topic)));
      pending = answers.filter((topic) => topic !== '');
      if (pending.length === 0) return;
    }
    if (attempt >= 100) throw new EvolflowError('transport', `Kafka topics ${[...leaderless, ...pending].join(', ')} have no ready leader after 20 s; is the broker healthy? (scripts/kafka.sh status)`, { retriable: true });
    await new Promise((r) => setTimeout(r, 200));
  }
}
