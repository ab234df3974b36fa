// `npm run bench`: every benchmark in bench/, one after another (they measure CPU and time, so never
// two at once), each in its own process, then one summary: bench/results/summary.json, with each
// bench's exit status, its seconds, the arguments it ran with, where its figures are and the
// headline figures read from that file.
//
//   npm run bench                       full: each bench's own defaults (the published figures)
//   npm run bench -- --quick            small settings, minutes not hours: a smoke run of every bench
//                                       that has a size setting; figures to bench/results/quick/
//                                       (EVOLFLOW_BENCH_RESULTS), never over the published ones
//   npm run bench -- --only a,b         only these (names as in bench/, without .ts)
//   npm run bench -- --kafka            also the benches that start a Kafka broker (scripts/kafka.sh)
//   npm run bench -- --real-model       also the benches that run SmolLM2-135M-Instruct on the CPU
//   npm run bench -- --timeout-min N    stop a bench after N minutes (quick: 10, full: none)
//
// Every bench/*.ts (but support.ts and this file) must have a row in BENCHES: a new bench without
// one is reported as `unlisted` and the run exits 1, so the summary never silently leaves one out.
// Benches may read ../shared/data (figures, calibration); tests never do.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './support.ts';

/** One benchmark: how to run it small and in full, what it needs, and which figures head the summary. */
interface Bench {
  /** bench/<name>.ts */
  name: string;
  /** Arguments of the quick run; null: it has no size setting, so it runs only in full. */
  quick: readonly string[] | null;
  /** Arguments of the full run (default: none, the bench's own defaults). */
  full?: readonly string[];
  /** What it needs beyond node_modules: a broker it starts, or the real model on the CPU (minutes). */
  needs?: 'kafka' | 'real-model';
  /** The result files it writes (default: <name>), without .json. */
  results?: readonly string[];
  /** Dotted paths of the headline figures in its result file (array items by index). */
  headline: readonly string[];
}

const BENCHES: readonly Bench[] = [
  {
    name: 'pipeline',
    quick: ['--copies', '1', '--latency-copies', '1', '--rounds', '2'],
    headline: ['zeroLatency.recordsPerSecond', 'zeroLatency.cpuMicrosecondsPerRecord.pipeline', 'latency200ms.ratio'],
  },
  { name: 'simulator', quick: ['--requests', '2000'], headline: ['mixed.requestsPerSecond', 'responderOnly.requestsPerSecond'] },
  { name: 'llm-client', quick: ['300'], headline: ['client.cpuMicrosPerCall', 'client.callsPerSecond', 'sdk.cpuMicrosPerCall'] },
  {
    name: 'observe',
    quick: ['--records', '5000'],
    headline: ['observer.recordEventsPerSecond', 'observer.llmEventsPerSecond', 'report.seconds'],
  },
  { name: 'mixer', quick: ['--records', '2000'], headline: ['estimateDifficulty.perSecond', 'stageFinite.inputsPerSecond'] },
  { name: 'cache-probe', quick: ['1000'], headline: ['rows.0.openCheckedMs', 'rows.0.openMarkedMs'] },
  { name: 'startup', quick: ['--runs', '5'], headline: ['help.medianMs', 'version.medianMs', 'nodeFloor.medianMs'] },
  { name: 'dedup-index', quick: ['5000'], headline: ['insertsPerSecond', 'queriesPerSecondAtDefaultEf', 'recallAt1AtDefaultEf'] },
  { name: 'dedup-stage', quick: null, headline: ['shareOfRaw', 'stageHandler.shareOfRaw', 'rawEmbeddingsPerSecond'] },
  { name: 'dedup-embed', quick: null, headline: ['runs.0.embeddingsPerSecond'] },
  { name: 'dedup-calibration', quick: null, headline: ['configDefault.threshold', 'wordJaccard.sets.stsb-dev-odd.auc'] },
  { name: 'decontaminate', quick: null, headline: ['perTest.ngram.paraphrasesCaught', 'perTest.embeddingAtDefault.paraphrasesCaught'] },
  { name: 'difficulty', quick: null, headline: ['gcompris-activities.estimator', 'gcompris-activities.length'] },
  { name: 'filters', quick: null, headline: ['falseRejects.realSeedInstructions.falseRejects'] },
  { name: 'validators', quick: null, headline: ['accuracy.sql.all.falseAccepts', 'accuracy.sql.all.falseRejects'] },
  { name: 'verify-sandbox', quick: ['--runs', '3'], headline: ['python.sandboxed.wallMs.p50', 'python.baseline.wallMs.p50'] },
  {
    name: 'soak',
    quick: ['--only', 'finite', '--copies', '1', '--rounds', '1'],
    results: ['soak-finite'],
    headline: ['finite.peakRssMB', 'finite.bytesPerEvolution.anon'],
  },
  { name: 'startup', quick: ['--runs', '3'], headline: ['help.medianMs', 'version.medianMs', 'nodeFloor.medianMs'] },
  {
    name: 'kafka',
    quick: ['--copies', '1', '--rounds', '1'],
    needs: 'kafka',
    headline: ['ratio', 'memory.recordsPerSecond', 'kafka.recordsPerSecond'],
  },
  {
    name: 'kafka-hop',
    quick: ['--records', '500', '--work-ms', '1'],
    needs: 'kafka',
    headline: ['scenarios.0.ratio', 'scenarios.1.ratio'],
  },
  { name: 'judge-verdicts', quick: ['--pairs', '2'], needs: 'real-model', headline: ['fewShotPrompt.none', 'afterSecondAsk.none'] },
  { name: 'real-model', quick: null, needs: 'real-model', results: [], headline: [] },
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    only: { type: 'string' },
    kafka: { type: 'boolean' },
    'real-model': { type: 'boolean' },
    'timeout-min': { type: 'string' },
  },
});
const quick = values.quick === true;
const only = values.only
  ? new Set(
      values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
  : undefined;
const timeoutMs = Number(values['timeout-min'] ?? (quick ? 10 : 0)) * 60_000;
const resultsDir = join(ROOT, quick ? 'bench/results/quick' : 'bench/results');
const logDir = join(ROOT, '.cache/bench-logs');
mkdirSync(resultsDir, { recursive: true });
mkdirSync(logDir, { recursive: true });

type Status = 'ok' | 'failed' | 'timed-out' | 'skipped' | 'unlisted';
interface Row {
  name: string;
  status: Status;
  reason?: string;
  args?: readonly string[];
  seconds?: number;
  exitCode?: number | null;
  results?: string[];
  headline?: Record<string, unknown>;
}

/** The value at a dotted path ("scenarios.0.ratio"), or undefined. */
function at(value: unknown, path: string): unknown {
  let here = value;
  for (const key of path.split('.')) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

function skipReason(bench: Bench): string | undefined {
  if (only && !only.has(bench.name)) return 'not in --only';
  if (bench.needs === 'kafka' && !values.kafka) return 'starts a Kafka broker: pass --kafka';
  if (bench.needs === 'real-model' && !values['real-model']) return 'runs the real model on the CPU: pass --real-model';
  if (quick && bench.quick === null) return 'no size setting: runs in the full mode only';
  return undefined;
}

function run(bench: Bench, args: readonly string[]): Promise<{ code: number | null; timedOut: boolean; seconds: number }> {
  const log = createWriteStream(join(logDir, `${bench.name}${quick ? '.quick' : ''}.log`));
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${bench.name}.ts`), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(quick ? { EVOLFLOW_BENCH_RESULTS: relative(ROOT, resultsDir) } : {}) },
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, timeoutMs)
        : undefined;
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      log.end();
      resolve({ code, timedOut, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

const rows: Row[] = [];
const listed = new Set(BENCHES.map((b) => b.name));
const onDisk = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.ts') && f !== 'support.ts' && f !== 'run-all.ts')
  .map((f) => f.slice(0, -3));
for (const name of onDisk.filter((n) => !listed.has(n)).sort()) {
  rows.push({ name, status: 'unlisted', reason: 'bench/run-all.ts has no row for it: add its quick and full settings to BENCHES' });
}

const loadBefore = loadavg().map((n) => Number(n.toFixed(2)));
for (const bench of BENCHES) {
  if (!onDisk.includes(bench.name)) continue;
  const why = skipReason(bench);
  if (why) {
    if (why !== 'not in --only') rows.push({ name: bench.name, status: 'skipped', reason: why });
    continue;
  }
  const args = quick ? (bench.quick ?? []) : (bench.full ?? []);
  process.stdout.write(`bench ${bench.name} ${args.join(' ')} ... `);
  const { code, timedOut, seconds } = await run(bench, args);
  const status: Status = timedOut ? 'timed-out' : code === 0 ? 'ok' : 'failed';
  const files = (bench.results ?? [bench.name]).map((r) => join(resultsDir, `${r}.json`));
  const row: Row = {
    name: bench.name,
    status,
    args,
    seconds: Number(seconds.toFixed(1)),
    exitCode: code,
    results: files.filter(existsSync).map((f) => relative(ROOT, f)),
  };
  const first = files[0];
  if (status === 'ok' && first && existsSync(first)) {
    const data: unknown = JSON.parse(readFileSync(first, 'utf8'));
    row.headline = Object.fromEntries(bench.headline.map((path) => [path, at(data, path) ?? null]));
  }
  if (status !== 'ok') row.reason = `${status}; log: ${relative(ROOT, join(logDir, `${bench.name}${quick ? '.quick' : ''}.log`))}`;
  rows.push(row);
  process.stdout.write(`${status} in ${row.seconds} s${row.headline ? ` ${JSON.stringify(row.headline)}` : ''}\n`);
}

const count = (s: Status) => rows.filter((r) => r.status === s).length;
const summary = {
  at: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  node: process.version,
  cpus: cpus().length,
  loadAverage: { before: loadBefore, after: loadavg().map((n) => Number(n.toFixed(2))) },
  totals: { ok: count('ok'), failed: count('failed') + count('timed-out'), skipped: count('skipped'), unlisted: count('unlisted') },
  benches: rows,
};
// One summary, whichever the mode (its `mode` says which); the quick figures themselves sit apart.
const out = join(ROOT, 'bench/results/summary.json');
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `\n${summary.totals.ok} ok, ${summary.totals.failed} failed, ${summary.totals.skipped} skipped, ${summary.totals.unlisted} unlisted; summary: ${relative(ROOT, out)}\n`,
);
for (const r of rows.filter((x) => x.status !== 'ok'))
  process.stdout.write(`  ${r.name}: ${r.status}${r.reason ? ` (${r.reason})` : ''}\n`);
process.exitCode = summary.totals.failed > 0 || summary.totals.unlisted > 0 ? 1 : 0;
