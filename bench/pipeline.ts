// The foundation's benchmark: the in-memory pipeline against the simulator over real HTTP.
//  1. 0 ms latency: pipeline overhead — records/s moved through evolve -> mix (three LLM calls per
//     record) and µs per record; target >= 1,000 records/s on 2 cores.
//  2. 200 ms latency, LLM concurrency 64: LLM calls/s achieved / the ideal 64 / 0.2 s = 320/s;
//     target >= 0.9.
// Usage: npx tsx bench/pipeline.ts [--copies N] [--latency-copies N]
// Profile: node --cpu-prof --import tsx bench/pipeline.ts --only zero
import { parseArgs } from 'node:util';
import { seedFile, timedPipelineRun, writeResults } from './support.ts';

const { values } = parseArgs({
  options: { copies: { type: 'string' }, 'latency-copies': { type: 'string' }, only: { type: 'string' }, rounds: { type: 'string' } },
});
const rounds = Number(values.rounds ?? 4);

const runOnce = (latencyMs: number, copies: number) => timedPipelineRun({ latencyMs, rounds, seeds: seedFile(copies) });

const results: Record<string, unknown> = { rounds, cores: (await import('node:os')).availableParallelism() };
if (values.only !== 'latency') {
  const copies = Number(values.copies ?? 6);
  const { summary, seconds, cpu } = await runOnce(0, copies);
  const records = summary.totals.evolutions; // every evolution attempt went through evolve and on to a terminal state
  const perRecord = (s: number | undefined) => (s === undefined ? null : Math.round((s * 1e6) / records));
  results.zeroLatency = {
    seeds: summary.totals.seeds,
    evolutions: records,
    kept: summary.totals.kept,
    llmCalls: summary.llm.calls,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Math.round(records / seconds),
    llmCallsPerSecond: Math.round(summary.llm.calls / seconds),
    microsecondsPerRecord: Math.round((seconds * 1e6) / records),
    // CPU (user + system) per record in each process: the pipeline's event loop is one core's worth at most.
    cpuMicrosecondsPerRecord: {
      pipeline: perRecord(cpu.pipeline),
      pipelineMainThread: perRecord(cpu.pipelineMainThread),
      simulator: perRecord(cpu.simulator),
    },
    target: '>= 1000 records/s',
  };
}
if (values.only !== 'zero') {
  const copies = Number(values['latency-copies'] ?? 4);
  const { summary, seconds } = await runOnce(200, copies);
  const callsPerSecond = summary.llm.calls / seconds;
  results.latency200ms = {
    seeds: summary.totals.seeds,
    llmCalls: summary.llm.calls,
    seconds: Number(seconds.toFixed(2)),
    llmCallsPerSecond: Number(callsPerSecond.toFixed(1)),
    ideal: 320,
    ratio: Number((callsPerSecond / 320).toFixed(3)),
    target: '>= 0.9',
  };
}
writeResults('pipeline', results);
