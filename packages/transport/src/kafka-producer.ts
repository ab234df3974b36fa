// Producing to Kafka (kafkajs): one idempotent-by-id producer per transport. Publishes made in the same
// event-loop turn go out as one produce request per chunk of about `maxMessageBytes` (acks = all
// in-sync replicas); a record too big for the pipeline's limit, and anything a consumer cannot read,
// goes to the dead-letter topic. `close` sends what is queued and waits for every acknowledgement.
import { EvolflowError, type Logger } from '@evolflow/core';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { DeadLetter } from './transport.ts';

export interface KafkaPublisherOptions {
  kafka: Kafka;
  /** For error messages: where the brokers are. */
  brokers: readonly string[];
  /** Largest produce request, in bytes (the pipeline's record limit). */
  maxMessageBytes: number;
  /** Largest dead letter, in bytes (the dlq topic's max.message.bytes). */
  dlqLimit: number;
  /** The dead-letter topic's full name. */
  dlqTopic: string;
  logger: Logger;
}

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

/** The transport's producer: batching, chunking, dead letters, and a close that loses nothing queued. */
export class KafkaPublisher {
  /** The kafkajs producer (the prefix lease writes its claims with it too). */
  readonly producer: Producer;
  readonly #options: KafkaPublisherOptions;
  #queue: Pending[] = [];
  #scheduled = false;
  #unacked = 0;

  constructor(options: KafkaPublisherOptions) {
    this.#options = options;
    this.producer = options.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner, // murmur2, like the Java client
      allowAutoTopicCreation: false,
      retry: { retries: 8, initialRetryTime: 200 },
    });
  }

  /** Produce requests sent or queued and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Queue messages (each at most the topic's limit) in parts of about `maxMessageBytes`, so no request exceeds the broker's limit. */
  async enqueue(topic: string, messages: readonly Message[]): Promise<void> {
    const { maxMessageBytes } = this.#options;
    const parts: Promise<void>[] = [];
    let part: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = m.value === null || m.value === undefined ? 0 : Buffer.byteLength(m.value);
      if (part.length > 0 && bytes + size > maxMessageBytes) {
        parts.push(this.#enqueueOne({ topic, messages: part, bytes }));
        part = [];
        bytes = 0;
      }
      part.push(m);
      bytes += size;
    }
    if (part.length > 0) parts.push(this.#enqueueOne({ topic, messages: part, bytes }));
    await Promise.all(parts);
  }

  /** Publish a dead letter (its original bytes cut when the letter would pass the dlq's limit). */
  async deadLetter(letter: DeadLetter): Promise<void> {
    const { dlqLimit, dlqTopic } = this.#options;
    let value = JSON.stringify(letter);
    if (Buffer.byteLength(value) > dlqLimit - 1024) {
      const keep = Math.floor((dlqLimit - 4096) * 0.7);
      value = JSON.stringify({
        ...letter,
        error: `${letter.error} [original bytes truncated to ${keep} base64 chars]`,
        valueBase64: letter.valueBase64.slice(0, keep),
      });
    }
    await this.enqueue(dlqTopic, [{ key: letter.key ?? null, value }]);
  }

  /** A dead letter must be published before its offset is committed: retry until it is, or until `isStopping`; false then. */
  async deadLetterSurely(letter: DeadLetter, isStopping: () => boolean): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deadLetter(letter);
        return true;
      } catch (err) {
        this.#options.logger.error(
          `dead-lettering ${letter.topic}[${letter.partition}]@${letter.offset} failed (attempt ${attempt}): ${(err as Error).message}`,
        );
        if (isStopping()) return false;
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
      }
    }
  }

  /** Send what is queued, wait for every acknowledgement, disconnect. */
  async close(): Promise<void> {
    if (this.#scheduled) this.#flush();
    while (this.#unacked > 0) await new Promise((r) => setTimeout(r, 10));
    await this.producer.disconnect();
  }

  #enqueueOne(pending: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    this.#unacked++;
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...pending, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    }).finally(() => this.#unacked--);
  }

  /** Everything queued this turn, as produce requests of about `maxMessageBytes` each. */
  #flush(): void {
    this.#scheduled = false;
    const items = this.#queue;
    this.#queue = [];
    let chunk: Pending[] = [];
    let bytes = 0;
    for (const item of items) {
      if (chunk.length > 0 && bytes + item.bytes > this.#options.maxMessageBytes) {
        this.#send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += item.bytes;
    }
    if (chunk.length > 0) this.#send(chunk);
  }

  #send(part: readonly Pending[]): void {
    const byTopic = new Map<string, Message[]>();
    for (const p of part) {
      const list = byTopic.get(p.topic);
      if (list) list.push(...p.messages);
      else byTopic.set(p.topic, [...p.messages]);
    }
    this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) }).then(
      () => part.forEach((p) => p.resolve()),
      (cause: unknown) => {
        const err = new EvolflowError(
          'transport',
          `publishing to ${[...byTopic.keys()].join(', ')} at ${this.#options.brokers.join(', ')} failed: ${(cause as Error).message}`,
          { retriable: true, cause },
        );
        part.forEach((p) => p.reject(err));
      },
    );
  }
}
