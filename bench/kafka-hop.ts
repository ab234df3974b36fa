// The transport alone, without LLM or stage work: records hop pool -> evolved -> validated -> sink
// through handlers that each wait `workMs` (an LLM call's stand-in) with `--concurrency` in flight,
// over the in-memory transport and over Kafka. Two scenarios by default: 20,000 records at 5 ms
// (transport-bound) and 2,000 at 200 ms (LLM-bound; ideal concurrency / 0.2 s). Prints records/s
// end to end and the Kafka/memory ratio; writes bench/results/kafka-hop.json.
// Usage: npx tsx bench/kafka-hop.ts [--records N --work-ms MS] [--concurrency N]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { EvolRecord, TopicName } from '@evolflow/core';
import { createKafkaTransport, InMemoryTransport, type Subscription, type Transport } from '@evolflow/transport';
import { ROOT, writeResults } from './support.ts';

const { values } = parseArgs({
  options: { records: { type: 'string' }, 'work-ms': { type: 'string' }, concurrency: { type: 'string' }, port: { type: 'string' } },
});
const scenarios =
  values.records || values['work-ms']
    ? [{ records: Number(values.records ?? 20000), workMs: Number(values['work-ms'] ?? 5) }]
    : [
        { records: 20000, workMs: 5 },
        { records: 2000, workMs: 200 },
      ];
const concurrency = Number(values.concurrency ?? 64);
const port = values.port ?? process.env.KAFKA_PORT ?? '19092';
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => void process.stderr.write(`${m}\n`) };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const record = (i: number): EvolRecord => ({
  id: `s-hop-${i}`,
  seedId: `s-hop-${i}`,
  parentId: null,
  round: 0,
  instruction: `Explain topic number ${i} in a few clear sentences, with one example.`,
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
});

async function hop(transport: Transport, prefix: string, { N, workMs }: { N: number; workMs: number }): Promise<number> {
  let done = 0;
  let finished: () => void = () => undefined;
  const all = new Promise<void>((r) => (finished = r));
  const chain: [TopicName, TopicName | null][] = [
    ['pool', 'evolved'],
    ['evolved', 'validated'],
    ['validated', null],
  ];
  const subs: Subscription[] = [];
  for (const [from, to] of chain) {
    subs.push(
      await transport.subscribe({
        group: `${prefix}hop-${from}`,
        topics: [from],
        concurrency,
        handler: async ({ record: r }) => {
          if (to) {
            await sleep(workMs);
            await transport.publish(to, [r]);
          } else if (++done === N) finished();
        },
      }),
    );
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 500)
    await transport.publish(
      'pool',
      Array.from({ length: Math.min(500, N - i) }, (_, k) => record(i + k)),
    );
  await all;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(subs.map((s) => s.stop()));
  await transport.close();
  return seconds;
}

const brokers = execFileSync('bash', [`${ROOT}/scripts/kafka.sh`, 'up', '--port', port], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
const os = await import('node:os');
const results: Record<string, unknown>[] = [];
for (const { records, workMs } of scenarios) {
  const memSeconds = await hop(new InMemoryTransport(), 'mem.', { N: records, workMs });
  const prefix = `hop.${Date.now().toString(36)}.`;
  const kafkaSeconds = await hop(await createKafkaTransport({ brokers: [brokers], prefix, clientId: 'bench-hop', logger: quiet }), prefix, {
    N: records,
    workMs,
  });
  results.push({
    records,
    workMs,
    concurrency,
    hops: 3,
    ideal: Math.round((concurrency * 1000) / workMs),
    memory: { seconds: Number(memSeconds.toFixed(2)), recordsPerSecond: Math.round(records / memSeconds) },
    kafka: { seconds: Number(kafkaSeconds.toFixed(2)), recordsPerSecond: Math.round(records / kafkaSeconds) },
    ratio: Number((memSeconds / kafkaSeconds).toFixed(3)),
  });
}
writeResults('kafka-hop', {
  cores: os.availableParallelism(),
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  scenarios: results,
});
process.exit(0);
