// The in-memory transport: the embedded default. Same semantics as Kafka: a log per topic, one
// offset per consumer group, records schema-checked on publish and then immutable (deep-frozen and
// shared by every consumer, as bytes on a broker are), foreign bytes decoded and checked on consume,
// invalid messages dead-lettered with their original bytes, subscriptions in a group share work.
// Retention: once a topic has consumer groups, a message every one of them has read is dropped (an
// in-memory delivery is never delivered again, so nothing can ask for it), so memory holds only what
// some group has still to read; a group that subscribes later starts at the oldest message retained.
// Dead letters alike: held until a dead-letter subscriber has them, then given to subscribers only.
import { assertRecord, decodeMessage, type EvolRecord, type StateLog, type StateLogName, type TopicName } from '@evolflow/core';
import { deadLetterOf, type DeadLetter, type Delivery, type SubscribeOptions, type Subscription, type Transport } from './transport.ts';

/** A message: a record `publish` checked (shared, deep-frozen), or foreign bytes from `publishRaw`. */
type Entry = { key: string; record: EvolRecord } | { key: string; record?: undefined; value: Uint8Array };

/**
 * A topic's log: `entries[i]` is offset `base + i`; offsets below `start` were read by every group
 * and dropped (their slots below `start` are empty until the array is cut).
 */
interface Log {
  base: number;
  start: number;
  entries: (Entry | undefined)[];
}

/** The offset after the last message of a log. */
const endOf = (log: Log) => log.base + log.entries.length;

/**
 * Deep-freeze a published record, so every consumer can share it the way Kafka consumers share
 * bytes (nobody can change what the log holds), and return an upper bound of its JSON size in bytes
 * (6 per UTF-16 unit covers any escape), so the size limit needs an exact JSON.stringify only for
 * records near it.
 */
function freezeAndBound(value: unknown): number {
  if (typeof value === 'string') return value.length * 6 + 2;
  if (value === null || typeof value !== 'object') return 24;
  let n = 2;
  if (Array.isArray(value)) for (const v of value) n += freezeAndBound(v) + 1;
  else for (const [k, v] of Object.entries(value)) n += k.length * 6 + 4 + freezeAndBound(v);
  Object.freeze(value);
  return n;
}

interface Member {
  options: SubscribeOptions;
  inFlight: number;
  stopped: boolean;
  idle: (() => void)[];
}

interface Group {
  name: string;
  /** Next offset per topic to hand out. */
  next: Map<TopicName, number>;
  /** Handed out and not yet committed. */
  inFlight: number;
  members: Member[];
  turn: number;
}

export interface InMemoryTransportOptions {
  /** Largest message accepted, in bytes (Kafka's default is about 1 MB). */
  maxMessageBytes?: number;
}

export class InMemoryTransport implements Transport {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<TopicName, Log>();
  private readonly groups = new Map<string, Group>();
  /** Dead letters no subscriber has been given yet. */
  private readonly letters: DeadLetter[] = [];
  private readonly letterListeners: ((l: DeadLetter) => Promise<void>)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private readonly states = new Map<StateLogName, Map<string, Buffer>>();
  private readonly maxMessageBytes: number;
  private readonly encoder = new TextEncoder();

  constructor(options: InMemoryTransportOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 1_048_576;
  }

  /** Dead letters no subscriber has been given yet: every one so far when nothing subscribes to them. */
  deadLetters(): readonly DeadLetter[] {
    return this.letters;
  }

  private log(topic: TopicName): Log {
    let log = this.logs.get(topic);
    if (!log) this.logs.set(topic, (log = { base: 0, start: 0, entries: [] }));
    return log;
  }

  /** Messages of `topic` held in memory (not yet read by every group subscribed to it). */
  retained(topic: TopicName): number {
    const log = this.logs.get(topic);
    return log ? endOf(log) - log.start : 0;
  }

  /** Drop the messages of `topic` that every group subscribed to it has read. */
  private trim(topic: TopicName): void {
    const log = this.log(topic);
    let upTo = Infinity;
    for (const group of this.groups.values()) {
      const next = group.next.get(topic);
      if (next !== undefined) upTo = Math.min(upTo, next);
    }
    if (upTo === Infinity || upTo <= log.start) return; // no group reads it yet: kept for the first one
    for (let o = log.start; o < upTo; o++) log.entries[o - log.base] = undefined;
    log.start = upTo;
    // The array itself is cut in steps (splicing moves what is left), so trimming stays linear.
    const dropped = log.start - log.base;
    if (dropped >= 1024 && dropped * 2 >= log.entries.length) {
      log.entries.splice(0, dropped);
      log.base = log.start;
    }
  }

  async publish(topic: TopicName, records: readonly EvolRecord[]): Promise<void> {
    const log = this.log(topic).entries;
    for (const record of records) {
      assertRecord(record);
      if (freezeAndBound(record) > this.maxMessageBytes) {
        const value = JSON.stringify(record);
        const size = Buffer.byteLength(value);
        if (size > this.maxMessageBytes) {
          await this.deadLetter(
            deadLetterOf(value, new Error(`message of ${size} bytes exceeds the ${this.maxMessageBytes}-byte limit`), {
              topic,
              key: record.seedId,
            }),
          );
          continue;
        }
      }
      log.push({ key: record.seedId, record });
    }
    this.pumpTopic(topic);
  }

  /** Publish raw bytes, as a foreign producer would (tests, bridges). */
  publishRaw(topic: TopicName, value: Uint8Array | string, key = ''): void {
    const bytes = typeof value === 'string' ? this.encoder.encode(value) : value;
    this.log(topic).entries.push({ key, value: bytes });
    this.pumpTopic(topic);
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    if (this.letterListeners.length === 0) this.letters.push(letter);
    for (const listener of [...this.letterListeners]) await listener(letter);
  }

  async subscribeDeadLetters(_group: string, handler: (letter: DeadLetter) => Promise<void>): Promise<Subscription> {
    // What was held, then the letters that come while it is handed over (they are held too, until the handler is listening).
    for (let i = 0; i < this.letters.length; i++) await handler(this.letters[i] as DeadLetter);
    this.letters.length = 0;
    this.letterListeners.push(handler);
    return {
      stop: async () => {
        const i = this.letterListeners.indexOf(handler);
        if (i >= 0) this.letterListeners.splice(i, 1);
      },
    };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    let group = this.groups.get(options.group);
    if (!group) {
      group = { name: options.group, next: new Map(), inFlight: 0, members: [], turn: 0 };
      this.groups.set(options.group, group);
    }
    for (const topic of options.topics) if (!group.next.has(topic)) group.next.set(topic, this.log(topic).start);
    const member: Member = { options, inFlight: 0, stopped: false, idle: [] };
    group.members.push(member);
    for (const topic of options.topics) this.pumpTopic(topic);
    const g = group;
    return {
      stop: async () => {
        member.stopped = true;
        if (member.inFlight > 0) await new Promise<void>((r) => member.idle.push(r));
        g.members.splice(g.members.indexOf(member), 1);
      },
    };
  }

  private pumpTopic(topic: TopicName): void {
    for (const group of this.groups.values()) if (group.next.has(topic)) this.pump(group, topic);
  }

  /** Hand out messages of `topic` to the group's members with free capacity, round-robin. */
  private pump(group: Group, topic: TopicName): void {
    const log = this.log(topic);
    let handed = false;
    for (;;) {
      const offset = group.next.get(topic) ?? log.start;
      if (offset >= endOf(log)) break;
      const member = this.freeMember(group, topic);
      if (!member) break;
      group.next.set(topic, offset + 1);
      handed = true;
      const entry = log.entries[offset - log.base] as Entry;
      let record: EvolRecord;
      if (entry.record)
        record = entry.record; // checked by `publish` and frozen: shared as it is
      else {
        try {
          record = decodeMessage(topic, entry.value, { partition: 0, offset: String(offset) }); // foreign bytes: decoded and checked
        } catch (err) {
          void this.deadLetter(deadLetterOf(entry.value, err, { topic, partition: 0, offset: String(offset), key: entry.key }));
          continue;
        }
      }
      const delivery: Delivery = { topic, record, key: entry.key, partition: 0, offset: String(offset) };
      member.inFlight++;
      group.inFlight++;
      void member.options
        .handler(delivery)
        .catch(() => undefined) // handlers own their errors (runStage dead-letters); never wedge the log
        .finally(() => {
          member.inFlight--;
          group.inFlight--;
          if (member.stopped && member.inFlight === 0) for (const r of member.idle.splice(0)) r();
          for (const t of group.next.keys()) this.pump(group, t);
          this.checkDrained();
        });
    }
    if (handed) this.trim(topic);
  }

  private freeMember(group: Group, topic: TopicName): Member | undefined {
    const n = group.members.length;
    for (let i = 0; i < n; i++) {
      const m = group.members[(group.turn + i) % n] as Member;
      if (!m.stopped && m.options.topics.includes(topic) && m.inFlight < m.options.concurrency) {
        group.turn = (group.turn + i + 1) % n;
        return m;
      }
    }
    return undefined;
  }

  private drainedNow(): boolean {
    for (const group of this.groups.values()) {
      if (group.inFlight > 0) return false;
      for (const [topic, next] of group.next) if (next < endOf(this.log(topic))) return false;
    }
    return true;
  }

  private checkDrained(): void {
    if (this.drainedNow()) for (const r of this.drainWaiters.splice(0)) r();
  }

  async isDrained(): Promise<boolean> {
    return this.drainedNow();
  }

  /** Resolves the next time the transport is drained (at once if it is now). */
  whenDrained(): Promise<void> {
    if (this.drainedNow()) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  async backlog(topic: TopicName): Promise<number> {
    const end = endOf(this.log(topic));
    let worst = 0;
    for (const group of this.groups.values()) {
      const next = group.next.get(topic);
      if (next !== undefined) worst = Math.max(worst, end - next + group.inFlight);
    }
    return worst;
  }

  /** A compacted log kept for the life of this transport: the latest value per key, in first-write order. */
  stateLog(name: StateLogName): StateLog {
    let entries = this.states.get(name);
    if (!entries) this.states.set(name, (entries = new Map()));
    const log = entries;
    return {
      async append(items) {
        for (const { key, value } of items) log.set(key, Buffer.from(value));
      },
      async read(onEntry) {
        let i = 0;
        for (const [key, value] of [...log]) onEntry({ key, value, where: `${name}@${i++}` });
        return i;
      },
    };
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) for (const m of group.members) m.stopped = true;
  }
}
