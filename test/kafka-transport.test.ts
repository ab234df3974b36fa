// The transport contract over a real Kafka broker (scripts/kafka.sh): the same behaviour as the
// in-memory transport, plus at-least-once redelivery after a kill, dead-lettering of foreign junk,
// and interop with kcat (a client that is not ours). Each test has its own topic/group prefix.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordProblems, type EvolRecord, type TopicName } from '@evolflow/core';
import { createKafkaTransport, type DeadLetter, type Delivery, type KafkaTransport } from '@evolflow/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBroker, kcat, quietLogger, seedRecord, uniquePrefix, waitFor } from './helpers/kafka.ts';

let brokers = '';
const open: KafkaTransport[] = [];

beforeAll(async () => {
  brokers = await kafkaBroker();
});

afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

async function transportFor(name: string, extra: { maxMessageBytes?: number } = {}): Promise<KafkaTransport> {
  const prefix = uniquePrefix(name);
  const t = await createKafkaTransport({
    brokers: [brokers],
    prefix,
    groupPrefix: prefix,
    sessionTimeoutMs: 6000,
    logger: quietLogger,
    ...extra,
  });
  open.push(t);
  return t;
}

const records = (n: number, from = 0) => Array.from({ length: n }, (_, i) => seedRecord(from + i));
const ids = (ds: readonly Delivery[]) => ds.map((d) => d.record.id).sort();

describe('Kafka transport contract', () => {
  it('creates every manifest topic under the prefix plus the compacted dedup changelog', async () => {
    const t = await transportFor('topics');
    const meta = await kcat(brokers, ['-L', '-J']);
    const names = (JSON.parse(meta) as { topics: { topic: string; partitions: unknown[] }[] }).topics.filter((x) =>
      x.topic.startsWith(t.prefix),
    );
    expect(names.map((x) => x.topic).sort()).toEqual(
      [
        'seeds',
        'pool',
        'replay',
        'evolved',
        'validated',
        'responded',
        'verified',
        'accepted',
        'unique',
        'rejected',
        'curriculum',
        'dlq',
        'dedup-changelog',
      ]
        .map((x) => t.topicName(x as TopicName))
        .sort(),
    );
    expect(names.every((x) => x.partitions.length === 3)).toBe(true);
  });

  it('delivers every published record, keyed by seedId, with topic, partition and offset', async () => {
    const t = await transportFor('pubsub');
    await t.publish('pool', records(30));
    const got: Delivery[] = [];
    const sub = await t.subscribe({
      group: `${t.groupPrefix}evolve`,
      topics: ['pool'],
      concurrency: 8,
      handler: async (d) => void got.push(d),
    });
    await waitFor('30 deliveries', () => got.length >= 30);
    await waitFor('drained', () => t.isDrained());
    expect(ids(got)).toEqual(ids(records(30).map((r) => ({ record: r }) as Delivery)));
    expect(
      got.every((d) => d.topic === 'pool' && d.key === d.record.seedId && d.partition >= 0 && d.partition < 3 && /^\d+$/.test(d.offset)),
    ).toBe(true);
    // A lineage stays on one partition: the same seedId always lands on the same partition.
    const again: Delivery[] = [];
    await t.publish('pool', [{ ...seedRecord(0), id: 's-test-0.r1', round: 1, parentId: 's-test-0' }]);
    const sub2 = await t.subscribe({
      group: `${t.groupPrefix}second`,
      topics: ['pool'],
      concurrency: 1,
      handler: async (d) => void again.push(d),
    });
    await waitFor('31 deliveries to the second group', () => again.length >= 31);
    const partitionsOfSeed0 = new Set(again.filter((d) => d.record.seedId === 's-test-0').map((d) => d.partition));
    expect(partitionsOfSeed0.size).toBe(1);
    await Promise.all([sub.stop(), sub2.stop()]);
  });

  it('lets two groups each see everything', async () => {
    const t = await transportFor('twogroups');
    const a: Delivery[] = [];
    const b: Delivery[] = [];
    const subA = await t.subscribe({ group: `${t.prefix}a`, topics: ['evolved'], concurrency: 4, handler: async (d) => void a.push(d) });
    const subB = await t.subscribe({ group: `${t.prefix}b`, topics: ['evolved'], concurrency: 4, handler: async (d) => void b.push(d) });
    await t.publish('evolved', records(25));
    await waitFor('both groups got 25', () => a.length >= 25 && b.length >= 25);
    await new Promise((r) => setTimeout(r, 500));
    expect(a.length).toBe(25);
    expect(b.length).toBe(25);
    expect(ids(a)).toEqual(ids(b));
    await Promise.all([subA.stop(), subB.stop()]);
  });

  it('splits the partitions between two subscriptions of one group (each gets some, together all, once)', async () => {
    const t = await transportFor('share');
    const a: Delivery[] = [];
    const b: Delivery[] = [];
    const group = `${t.prefix}shared`;
    const subA = await t.subscribe({ group, topics: ['validated'], concurrency: 4, handler: async (d) => void a.push(d) });
    await subA.joined;
    const subB = await t.subscribe({ group, topics: ['validated'], concurrency: 4, handler: async (d) => void b.push(d) });
    const name = t.topicName('validated');
    await waitFor('a stable split of the 3 partitions', () => {
      const pa = subA.assignment()[name] ?? [];
      const pb = subB.assignment()[name] ?? [];
      return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === 3 && pa.length + pb.length === 3;
    });
    await t.publish('validated', records(60));
    await waitFor('60 deliveries', () => a.length + b.length >= 60);
    await new Promise((r) => setTimeout(r, 500));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(a.length + b.length).toBe(60);
    expect([...ids(a), ...ids(b)].sort()).toEqual(ids(records(60).map((r) => ({ record: r }) as Delivery)));
    const partsA = new Set(a.map((d) => d.partition));
    expect(b.every((d) => !partsA.has(d.partition))).toBe(true);
    await Promise.all([subA.stop(), subB.stop()]);
  });

  it('knows when the pipeline is drained, across stages, from committed offsets', async () => {
    const t = await transportFor('drain');
    expect(await t.isDrained()).toBe(true);
    await t.publish('pool', records(40));
    expect(await t.isDrained()).toBe(false);
    expect(await t.backlog('pool')).toBe(40);
    let handled = 0;
    // evolve: pool -> evolved (slowly, with concurrency); validate consumes evolved.
    const evolve = await t.subscribe({
      group: `${t.groupPrefix}evolve`,
      topics: ['pool'],
      concurrency: 5,
      handler: async (d) => {
        await new Promise((r) => setTimeout(r, 5 + (Number(d.record.id.split('-').pop()) % 7) * 3));
        await t.publish('evolved', [{ ...d.record, id: `${d.record.id}.r1`, round: 1, parentId: d.record.id }]);
      },
    });
    const validate = await t.subscribe({
      group: `${t.groupPrefix}validate`,
      topics: ['evolved'],
      concurrency: 3,
      handler: async () => void handled++,
    });
    expect(await t.isDrained()).toBe(false);
    await waitFor('drained', () => t.isDrained());
    expect(handled).toBe(40);
    expect(await t.backlog('pool')).toBe(0);
    expect(await t.backlog('evolved')).toBe(0);
    // A second transport (another process's view) agrees: drained is read from the broker.
    const other = await createKafkaTransport({ brokers: [brokers], prefix: t.prefix, groupPrefix: t.groupPrefix, logger: quietLogger });
    open.push(other);
    expect(await other.isDrained()).toBe(true);
    // With validate stopped, one more record on `evolved` is seen as pending by the other process.
    await validate.stop();
    await t.publish('evolved', records(1, 100));
    expect(await other.isDrained()).toBe(false);
    expect(await other.backlog('evolved')).toBe(1);
    const validateAgain = await t.subscribe({
      group: `${t.groupPrefix}validate`,
      topics: ['evolved'],
      concurrency: 3,
      handler: async () => void handled++,
    });
    await waitFor('drained again', () => other.isDrained());
    expect(handled).toBe(41);
    await Promise.all([evolve.stop(), validateAgain.stop()]);
  });

  it('redelivers what a killed consumer had not committed (at-least-once)', async () => {
    const t = await transportFor('redeliver');
    const group = `${t.groupPrefix}evolve`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./helpers/kafka-child.ts', import.meta.url)), brokers, t.prefix, group, '10'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const childGot: string[] = [];
    let childErr = '';
    let joined = false;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'joined') joined = true;
        else if (line.startsWith('got ')) childGot.push(line.slice(4));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (childErr += chunk.toString('utf8')));
    try {
      await waitFor(`the child consumer to join (stderr: ${childErr})`, () => joined, { timeoutMs: 60_000 });
      await t.publish('pool', records(10));
      await waitFor('the child to handle and commit the first 10', async () => childGot.length >= 10 && (await t.backlog('pool')) === 0);
      await t.publish('pool', records(10, 10));
      await waitFor('the child to take some of the next 10 (and hang on them)', () => childGot.length > 10);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(await t.backlog('pool')).toBe(10);
    const got: Delivery[] = [];
    const sub = await t.subscribe({ group, topics: ['pool'], concurrency: 4, handler: async (d) => void got.push(d) });
    await waitFor('the 10 uncommitted records to be redelivered', () => got.length >= 10, { timeoutMs: 90_000 });
    await waitFor('drained', () => t.isDrained());
    const second = ids(records(10, 10).map((r) => ({ record: r }) as Delivery));
    expect(ids(got)).toEqual(second); // none of the committed first 10, all of the rest
    const takenByChild = childGot.filter((id) => second.includes(id));
    expect(takenByChild.length).toBeGreaterThan(0);
    expect(takenByChild.every((id) => got.some((d) => d.record.id === id))).toBe(true);
    await sub.stop();
  });

  it('dead-letters what is not a valid record, with the original bytes, and keeps consuming', async () => {
    const t = await transportFor('dlq');
    const letters: DeadLetter[] = [];
    const dl = await t.subscribeDeadLetters(`${t.prefix}dlq-sink`, async (l) => void letters.push(l));
    const got: Delivery[] = [];
    const sub = await t.subscribe({
      group: `${t.groupPrefix}seed`,
      topics: ['seeds'],
      concurrency: 4,
      handler: async (d) => void got.push(d),
    });
    const notJson = 'this is { not json';
    const notRecord = JSON.stringify({ hello: 'neither a record nor a seed' });
    const notUtf8 = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const huge = JSON.stringify({ ...seedRecord(7, 's-huge'), instruction: 'x'.repeat(2 * 1024 * 1024) });
    await t.produceRaw('seeds', notJson, 'k1');
    await t.produceRaw('seeds', notRecord, 'k2');
    await t.produceRaw('seeds', notUtf8, 'k3');
    await t.produceRaw('seeds', huge, 's-huge');
    await t.publish('seeds', records(3));
    await waitFor('4 dead letters and 3 deliveries', () => letters.length >= 4 && got.length >= 3);
    await waitFor('drained', () => t.isDrained());
    expect(got.length).toBe(3);
    expect(letters.length).toBe(4);
    const byKey = new Map(letters.map((l) => [l.key, l]));
    expect(Buffer.from(byKey.get('k1')?.valueBase64 ?? '', 'base64').toString('utf8')).toBe(notJson);
    expect(byKey.get('k1')?.error).toMatch(/not JSON/);
    expect(Buffer.from(byKey.get('k2')?.valueBase64 ?? '', 'base64').toString('utf8')).toBe(notRecord);
    expect(byKey.get('k2')?.error).toMatch(/neither a record nor a seed/);
    expect(Buffer.from(byKey.get('k3')?.valueBase64 ?? '', 'base64')).toEqual(notUtf8);
    expect(byKey.get('k3')?.error).toMatch(/not UTF-8/);
    expect(Buffer.from(byKey.get('s-huge')?.valueBase64 ?? '', 'base64').toString('utf8')).toBe(huge);
    expect(byKey.get('s-huge')?.error).toMatch(/exceeds the 1048576-byte limit/);
    expect(letters.every((l) => l.topic === 'seeds' && typeof l.partition === 'number' && /^\d+$/.test(l.offset ?? ''))).toBe(true);

    // Produce side: an invalid record throws; an oversized valid one is dead-lettered, not sent.
    await expect(t.publish('seeds', [{ id: 'bad' } as unknown as EvolRecord])).rejects.toThrow(/record bad is not a valid evolflow record/);
    await t.publish('seeds', [{ ...seedRecord(8, 's-big'), instruction: 'y'.repeat(1_100_000) }]);
    await waitFor('the oversized publish to be dead-lettered', () => letters.length >= 5);
    expect(letters[4]?.error).toMatch(/record s-big of \d+ bytes exceeds/);
    expect(got.length).toBe(3);
    await Promise.all([sub.stop(), dl.stop()]);
  });

  it('interoperates with kcat: its seeds are consumed, and it reads our records back', async () => {
    const t = await transportFor('kcat');
    const foreign = records(5, 500);
    // kcat's murmur2 partitioner is the Java client's (and ours), so lineages stay on one partition.
    const lines = foreign.map((r) => `${r.seedId}\t${JSON.stringify(r)}`).join('\n');
    await kcat(brokers, ['-P', '-t', t.topicName('seeds'), '-K', '\t', '-X', 'topic.partitioner=murmur2_random'], `${lines}\n`);
    const got: Delivery[] = [];
    const sub = await t.subscribe({
      group: `${t.groupPrefix}seed`,
      topics: ['seeds'],
      concurrency: 2,
      handler: async (d) => void got.push(d),
    });
    await waitFor('5 records produced by kcat', () => got.length >= 5);
    expect(ids(got)).toEqual(foreign.map((r) => r.id).sort());
    expect(got.every((d) => d.key === d.record.seedId)).toBe(true);

    // Plain Alpaca seeds (not records) are accepted on `seeds` and become round-0 records.
    const alpaca = [
      { instruction: 'Name three primary colours.', input: '', output: 'Red, blue and yellow.' },
      { instruction: 'Translate the sentence.', input: 'Bonjour le monde', output: 'Hello world' },
    ];
    await kcat(brokers, ['-P', '-t', t.topicName('seeds')], `${alpaca.map((a) => JSON.stringify(a)).join('\n')}\n`);
    await waitFor('2 plain seeds produced by kcat', () => got.length >= 7);
    const seeds = got.slice(5).map((d) => d.record);
    expect(seeds.map((r) => r.instruction).sort()).toEqual(alpaca.map((a) => a.instruction).sort());
    expect(seeds.every((r) => r.round === 0 && r.id === r.seedId && r.source?.format === 'alpaca' && recordProblems(r).length === 0)).toBe(
      true,
    );
    expect(seeds.find((r) => r.input !== undefined)?.input).toBe('Bonjour le monde');

    // Same key, same partition, whoever produced it.
    const ours = got.find((d) => d.record.id === foreign[0]?.id);
    await t.publish('seeds', [{ ...(foreign[0] as EvolRecord), id: `${foreign[0]?.id}.r1`, round: 1, parentId: foreign[0]?.id ?? null }]);
    await waitFor("our record with kcat's key", () => got.length >= 8);
    expect(got[7]?.partition).toBe(ours?.partition);

    await t.publish('pool', records(7, 600));
    const out = await kcat(brokers, ['-C', '-t', t.topicName('pool'), '-o', 'beginning', '-e', '-q', '-f', '%k\t%p\t%s\n']);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.length).toBe(7);
    for (const [key, partition, value] of rows) {
      const record = JSON.parse(value ?? '') as EvolRecord;
      expect(recordProblems(record)).toEqual([]);
      expect(key).toBe(record.seedId);
      expect(Number(partition)).toBeGreaterThanOrEqual(0);
    }
    await sub.stop();
  });

  it('keeps a state log in its compacted topic: appended entries are read back in full by a new transport', async () => {
    const t = await transportFor('state');
    const empty = t.stateLog('dedup-changelog');
    expect(await empty.read(() => expect.unreachable('an empty log has no entries'))).toBe(0);
    const entries = Array.from({ length: 500 }, (_, i) => ({ key: `r${i}`, value: JSON.stringify({ id: `r${i}`, n: i }) }));
    await empty.append(entries.slice(0, 200));
    await empty.append(entries.slice(200));
    const config = await kcat(brokers, ['-L', '-J', '-t', t.topicName('dedup-changelog')]);
    expect(JSON.parse(config).topics[0].partitions).toHaveLength(3); // keyed entries spread over the partitions

    const again = await createKafkaTransport({
      brokers: [brokers],
      prefix: t.prefix,
      groupPrefix: t.prefix,
      sessionTimeoutMs: 6000,
      logger: quietLogger,
    });
    open.push(again);
    const read: { key: string; value: string; where: string }[] = [];
    const n = await again.stateLog('dedup-changelog').read((e) => read.push({ key: e.key, value: e.value.toString(), where: e.where }));
    expect(n).toBe(500);
    expect(read.map((e) => e.key).sort()).toEqual(entries.map((e) => e.key).sort());
    for (const e of read) expect(JSON.parse(e.value)).toEqual({ id: e.key, n: Number(e.key.slice(1)) });
    expect(read.every((e) => /^.+\[\d\]@\d+$/.test(e.where) && e.where.startsWith(`${t.topicName('dedup-changelog')}[`))).toBe(true);
    // What one transport appends, another reads: the log is the topic, not the process.
    await again.stateLog('dedup-changelog').append([{ key: 'late', value: '{}' }]);
    expect(await t.stateLog('dedup-changelog').read(() => undefined)).toBe(501);
  });
});
