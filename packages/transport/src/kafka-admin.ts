// Kafka administration (kafkajs): creating the pipeline's topics and waiting until they can be used,
// and reading the consumer groups' committed offsets and the topics' end offsets that drained and
// backlog are computed from (kafka-offsets.ts). One admin client per transport, connected at start.
import { EvolflowError } from '@evolflow/core';
import type { Admin, Kafka } from 'kafkajs';
import type { CommittedOffsets, EndOffsets, GroupTopics } from './kafka-offsets.ts';

/** A topic to create when missing. */
export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries: { name: string; value: string }[];
}

/** The transport's admin client. */
export class KafkaAdmin {
  /** The kafkajs admin client (state logs and the prefix lease read offsets with it too). */
  readonly admin: Admin;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  /** Create the missing topics and wait until every partition of every topic has a leader. */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const { admin } = this;
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
      } catch (err) {
        // Another process created some of them first: fine. Anything else is a real problem.
        const errors = (err as { errors?: { type?: string }[] }).errors;
        if (!errors || !errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) {
          throw new EvolflowError(
            'transport',
            `creating Kafka topics ${missing.map((t) => t.topic).join(', ')} failed: ${(err as Error).message}`,
            { retriable: true, cause: err },
          );
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
        const answers = await Promise.all(
          pending.map((topic) =>
            admin.fetchTopicOffsets(topic).then(
              () => '',
              () => topic,
            ),
          ),
        );
        pending = answers.filter((topic) => topic !== '');
        if (pending.length === 0) return;
      }
      if (attempt >= 100)
        throw new EvolflowError(
          'transport',
          `Kafka topics ${[...leaderless, ...pending].join(', ')} have no ready leader after 20 s; is the broker healthy? (scripts/kafka.sh status)`,
          { retriable: true },
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The committed offsets of each group on its topics. */
  async committedOf(groups: readonly GroupTopics[]): Promise<Map<string, CommittedOffsets>> {
    const result = new Map<string, CommittedOffsets>();
    await Promise.all(
      groups.map(async ({ group, topics }) => {
        const offsets = await this.admin.fetchOffsets({ groupId: group, topics: [...topics] });
        result.set(group, new Map(offsets.map((t) => [t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset]))])));
      }),
    );
    return result;
  }

  /** The low and high offsets of every partition of each topic. */
  async endsOf(topics: readonly string[]): Promise<Map<string, EndOffsets>> {
    const result = new Map<string, EndOffsets>();
    await Promise.all(
      topics.map(async (topic) => {
        const offsets = await this.admin.fetchTopicOffsets(topic);
        result.set(topic, new Map(offsets.map((p) => [p.partition, { low: p.low, high: p.high }])));
      }),
    );
    return result;
  }
}
