// The Kafka transport's benchmark: the foundation's 0 ms pipeline benchmark (every stage in one
// process, the simulator in its own process at 0 ms latency, 4 rounds) once over the in-memory
// transport and once over Kafka (scripts/kafka.sh broker), as records/s and the Kafka/memory ratio.
// Targets: Kafka >= 50% of in-memory throughput and >= 1,000 records/s end to end.
// Usage: npx tsx bench/kafka.ts [--copies N] [--rounds N] [--partitions N] [--only kafka]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafkaTransport, InMemoryTransport, type Transport } from '@evolflow/transport';
import type { RunSummary } from '@evolflow/cli';
import { processCpuSeconds, ROOT, seedFile, timedPipelineRun, writeResults, type RunCpu } from './support.ts';

const { values } = parseArgs({
  options: {
    copies: { type: 'string' },
    rounds: { type: 'string' },
    partitions: { type: 'string' },
    only: { type: 'string' },
    port: { type: 'string' },
  },
});
const rounds = Number(values.rounds ?? 4);
const copies = Number(values.copies ?? 6);
const partitions = Number(values.partitions ?? 3);
const port = values.port ?? process.env.KAFKA_PORT ?? '19092';
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => void process.stderr.write(`${m}\n`) };

function runOnce(kind: 'memory' | 'kafka', seeds: string, brokers: string): Promise<{ summary: RunSummary; seconds: number; cpu: RunCpu }> {
  const prefix = `bench.${Date.now().toString(36)}.`;
  return timedPipelineRun({
    latencyMs: 0,
    rounds,
    seeds,
    overrides: { transport: { kind, kafka: { brokers: [brokers], prefix, partitions, clientId: 'bench' } } },
    transport: async (): Promise<Transport> =>
      kind === 'memory'
        ? new InMemoryTransport()
        : createKafkaTransport({ brokers: [brokers], prefix, partitions, clientId: 'bench', logger: quiet }),
  });
}

/** The broker's pid from scripts/kafka.sh's pid file (for its CPU time), if it can be read. */
function brokerPid(): number | undefined {
  try {
    const pid = Number(
      readFileSync(join(process.env.EVOLFLOW_CACHE ?? join(ROOT, '.cache'), 'kafka', `run-${port}`, 'broker.pid'), 'utf8').trim(),
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const figures = (summary: RunSummary, seconds: number, { cpu, broker }: { cpu: RunCpu; broker: number | undefined }) => {
  const records = summary.totals.evolutions;
  const perRecord = (s: number | undefined) => (s === undefined ? null : Math.round((s * 1e6) / records));
  return {
    seeds: summary.totals.seeds,
    evolutions: records,
    kept: summary.totals.kept,
    dataset: summary.totals.dataset,
    llmCalls: summary.llm.calls,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(records / seconds),
    // CPU (user + system) per record in each process; the broker's includes whatever else it served meanwhile.
    cpuMicrosecondsPerRecord: {
      pipeline: perRecord(cpu.pipeline),
      pipelineMainThread: perRecord(cpu.pipelineMainThread),
      simulator: perRecord(cpu.simulator),
      broker: perRecord(broker),
    },
  };
};

/** Run once, with the broker's CPU time over the run. */
async function measured(kind: 'memory' | 'kafka', seeds: string, brokers: string) {
  const pid = brokerPid();
  const before = pid === undefined ? undefined : processCpuSeconds(pid);
  const { summary, seconds, cpu } = await runOnce(kind, seeds, brokers);
  const after = pid === undefined ? undefined : processCpuSeconds(pid);
  return {
    summary,
    seconds,
    figures: figures(summary, seconds, { cpu, broker: before === undefined || after === undefined ? undefined : after - before }),
  };
}

const brokers = execFileSync('bash', [`${ROOT}/scripts/kafka.sh`, 'up', '--port', port], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim();
const seeds = seedFile(copies);
const os = await import('node:os');
// The machine is shared: the load average says how much of it the benchmark had.
const results: Record<string, unknown> = {
  rounds,
  copies,
  partitions,
  cores: os.availableParallelism(),
  loadAverageBefore: os.loadavg().map((l) => Number(l.toFixed(2))),
  kafkaVersion: process.env.KAFKA_VERSION ?? '3.9.1',
};
let memoryRate = 0;
if (values.only !== 'kafka') {
  const memory = await measured('memory', seeds, brokers);
  results.memory = memory.figures;
  memoryRate = memory.summary.totals.evolutions / memory.seconds;
}
const kafka = await measured('kafka', seeds, brokers);
const kafkaRate = kafka.summary.totals.evolutions / kafka.seconds;
results.kafka = kafka.figures;
if (memoryRate > 0) results.ratio = Number((kafkaRate / memoryRate).toFixed(3));
results.loadAverageAfter = os.loadavg().map((l) => Number(l.toFixed(2)));
results.targets = { ratio: '>= 0.5', kafkaRecordsPerSecond: '>= 1000' };
results.met = { ratio: memoryRate > 0 ? kafkaRate / memoryRate >= 0.5 : null, kafkaRecordsPerSecond: kafkaRate >= 1000 };
writeResults('kafka', results);
process.exit(0);
