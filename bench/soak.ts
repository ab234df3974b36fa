// The soak: does memory stay flat over long runs? Three parts, each in its own process as a user
// would run it, against a simulator in another process (an external endpoint, as a real one is):
//  1. finite: `evolflow run` over --copies x 175 seeds (58 -> 10,150 seeds) x --rounds 4; the run's
//     RSS (and its anonymous part, which leaves out mapped files such as the LMDB cache) sampled every
//     second with the evolutions made so far (Prometheus scrape of --metrics-port).
//  2. follow: `evolflow run --follow` on the in-memory transport, seeds appended to the followed file
//     at --follow-rate seeds/s for --follow-minutes, then SIGINT; the same samples, then the counts.
//  3. output: the dataset writer fed records from a generator until --gib GiB of JSONL (and the
//     same rows as Parquet, row group by row group) are written; the writer's RSS. Then the run's
//     sink (its external merge sort) fed the same records as kept records over the in-memory
//     transport until --gib GiB, and kept.jsonl and lineage.jsonl written; the sink's RSS.
// The slope is a least-squares fit of RSS against evolutions (bytes per record) over the samples
// after the first 20% of the run (warm-up: JIT, pools, caches filling up), and over its last half
// (V8 grows its heap lazily before its first major collections, which the first fit still sees).
// Writes bench/results/soak.json (figures) and bench/results/soak-samples.json (the curves).
// Usage: npx tsx bench/soak.ts [--copies 58] [--rounds 4] [--follow-minutes 30] [--follow-rate 4] [--gib 1.05] [--only finite|follow|output|sink]
//   [--cache-mb N: llm.cache.maxMB of the finite and follow runs] [--name soak-after: results in bench/results/<name>.json and <name>-samples.json]
//   [--refit NAME: recompute the figures of bench/results/NAME.json from its samples file, with this script's fits]
//   [--snapshots 12000,36000: a V8 heap snapshot of the run when it passes each of these evolution counts, written to
//    /tmp/evolflow-soak-heap (for finding what grows: compare two with Chrome DevTools' Comparison view)]
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, SELF_INSTRUCT, seedFile, spawnSimulator, tempDir, writeResults } from './support.ts';
import type { EvolRecord } from '@evolflow/core';

const { values } = parseArgs({
  options: {
    copies: { type: 'string' },
    rounds: { type: 'string' },
    'follow-minutes': { type: 'string' },
    'follow-rate': { type: 'string' },
    gib: { type: 'string' },
    only: { type: 'string' },
    'cache-mb': { type: 'string' },
    name: { type: 'string' },
    snapshots: { type: 'string' },
    refit: { type: 'string' },
    'output-child': { type: 'boolean' },
    'sink-child': { type: 'boolean' },
    out: { type: 'string' },
  },
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** RSS, its anonymous part and its file-mapped part of a process, in bytes, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; anon: number; file: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return null;
  }
}

/** Sum of a Prometheus counter over all its label sets. */
function counter(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (label && !line.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface Sample {
  t: number;
  rss: number;
  anon: number;
  file: number;
  /** Evolutions made so far. */
  evolutions: number;
  /** Records that reached the mixer or `rejected`. */
  records: number;
  /** V8 heap used and allocated, and memory outside the heap held by JS objects (Prometheus scrape). */
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** Least-squares slope of y against x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const MB = 1024 * 1024;
const SNAPSHOT_DIR = '/tmp/evolflow-soak-heap';
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Peak, and bytes per evolution after the first 20% of the evolutions (RSS and its anonymous part). */
function figures(samples: readonly Sample[]) {
  const last = samples.at(-1);
  const steady = samples.filter((s) => s.evolutions >= (last?.evolutions ?? 0) * 0.2);
  const lastHalf = samples.filter((s) => s.evolutions >= (last?.evolutions ?? 0) * 0.5);
  const fitOf = (points: readonly Sample[], key: 'rss' | 'anon' | 'heapUsed') =>
    round1(slope(points.filter((s) => s[key] > 0).map((s) => [s.evolutions, s[key]])));
  const fit = (key: 'rss' | 'anon' | 'heapUsed') => fitOf(steady, key);
  const first = steady[0];
  return {
    samples: samples.length,
    evolutions: last?.evolutions ?? 0,
    peakRssMB: round1(Math.max(...samples.map((s) => s.rss)) / MB),
    peakAnonMB: round1(Math.max(...samples.map((s) => s.anon)) / MB),
    rssAt20PercentMB: first ? round1(first.rss / MB) : null,
    rssAtEndMB: last ? round1(last.rss / MB) : null,
    peakHeapUsedMB: round1(Math.max(...samples.map((s) => s.heapUsed)) / MB),
    bytesPerEvolution: { rss: fit('rss'), anon: fit('anon'), heapUsed: fit('heapUsed') },
    bytesPerEvolutionLastHalf: { rss: fitOf(lastHalf, 'rss'), anon: fitOf(lastHalf, 'anon'), heapUsed: fitOf(lastHalf, 'heapUsed') },
    // The same fits over the samples taken while evolutions were still being made: the end of a run
    // (every evolution made, the outputs being written) adds samples at one x, which skew a fit.
    whileEvolving: {
      bytesPerEvolution: { rss: fitOf(evolving(steady), 'rss'), anon: fitOf(evolving(steady), 'anon'), file: fileFit(evolving(steady)) },
      bytesPerEvolutionLastHalf: {
        rss: fitOf(evolving(lastHalf), 'rss'),
        anon: fitOf(evolving(lastHalf), 'anon'),
        file: fileFit(evolving(lastHalf)),
      },
      anonMB: {
        at20Percent: first ? round1(first.anon / MB) : null,
        atHalf: lastHalf[0] ? round1(lastHalf[0].anon / MB) : null,
        atLastEvolution: evolving(samples).at(-1) ? round1((evolving(samples).at(-1) as Sample).anon / MB) : null,
      },
    },
    peakAnonWritingOutputsMB: round1(Math.max(0, ...samples.filter((s) => s.evolutions === last?.evolutions).map((s) => s.anon)) / MB),
    heapFloor: heapFloor(samples),
  };
}

/**
 * The V8 heap's floor: its lowest used size in each 5-minute window (a twelfth of the run, 10 s at
 * least, for a run under 20 minutes), i.e. what survived collection, against the evolutions made by the window's
 * end; and its slope per evolution over the windows after the first 20% of evolutions.
 */
function heapFloor(samples: readonly Sample[]) {
  const span = samples.at(-1)?.t ?? 0;
  const windowMs = span >= 20 * 60_000 ? 5 * 60_000 : Math.max(10_000, Math.round(span / 12));
  const windows = new Map<number, { minute: number; evolutions: number; floor: number }>();
  for (const s of samples) {
    if (s.heapUsed <= 0) continue;
    const w = Math.floor(s.t / windowMs);
    const slot = windows.get(w) ?? { minute: 0, evolutions: 0, floor: Number.POSITIVE_INFINITY };
    windows.set(w, { minute: round1(s.t / 60_000), evolutions: s.evolutions, floor: Math.min(slot.floor, s.heapUsed) });
  }
  const all = [...windows.values()];
  const end = samples.at(-1)?.evolutions ?? 0;
  // Windows while evolutions were still being made, after the first 20% of them.
  const fitted = all.filter((w) => w.evolutions >= end * 0.2 && w.evolutions < end);
  return {
    windowSeconds: windowMs / 1000,
    byWindow: all.map((w) => ({ minute: w.minute, evolutions: w.evolutions, floorMB: round1(w.floor / MB) })),
    bytesPerEvolution: round1(slope(fitted.map((w) => [w.evolutions, w.floor]))),
  };
}

/** Samples taken before the last evolution was made. */
const evolving = (samples: readonly Sample[]) => {
  const end = samples.at(-1)?.evolutions ?? 0;
  return samples.filter((s) => s.evolutions < end);
};

/** Slope of the file-backed part of RSS (mapped files: the LMDB cache) against evolutions. */
const fileFit = (points: readonly Sample[]) => round1(slope(points.filter((s) => s.file > 0).map((s) => [s.evolutions, s.file])));

/** Start `evolflow run` with `args`, sampling its memory and metrics every second until it exits. */
async function sampledRun(
  args: string[],
  during?: (child: ChildProcess, samples: Sample[]) => Promise<void>,
): Promise<{ samples: Sample[]; code: number | null; stdout: string; stderr: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const marks = (values.snapshots ?? '').split(',').filter(Boolean).map(Number);
  const heapFlags = marks.length > 0 ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOT_DIR}`] : [];
  if (marks.length > 0) mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const child = spawn(
    process.execPath,
    [
      ...heapFlags,
      '--import',
      'tsx',
      join(ROOT, 'packages/cli/src/bin.ts'),
      'run',
      ...args,
      '--no-progress',
      '--metrics-port',
      String(port),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const samples: Sample[] = [];
  const t0 = Date.now();
  const sampler = (async () => {
    while (!done) {
      const mem = memoryOf(child.pid ?? 0);
      let evolutions = samples.at(-1)?.evolutions ?? 0;
      let records = samples.at(-1)?.records ?? 0;
      let heap = { heapUsed: 0, heapTotal: 0, external: 0 };
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        evolutions = counter(text, 'evolflow_evolutions_total');
        records = counter(text, 'evolflow_records_in_total', 'stage="mix"') + counter(text, 'evolflow_records_rejected_total');
        heap = {
          heapUsed: counter(text, 'nodejs_heap_size_used_bytes'),
          heapTotal: counter(text, 'nodejs_heap_size_total_bytes'),
          external: counter(text, 'nodejs_external_memory_bytes'),
        };
      } catch {
        // not listening yet, or finishing
      }
      if (mem && !done) samples.push({ t: Date.now() - t0, ...mem, evolutions, records, ...heap });
      if (marks.length > 0 && evolutions >= (marks[0] as number) && !done) {
        process.stderr.write(`soak: heap snapshot at ${evolutions} evolutions into ${SNAPSHOT_DIR}\n`);
        marks.shift();
        child.kill('SIGUSR2');
      }
      await sleep(1000);
    }
  })();
  const work = during ? during(child, samples) : Promise.resolve();
  const code = await exited;
  await Promise.all([sampler, work]);
  return { samples, code, stdout, stderr };
}

if (values.refit) {
  const file = join(ROOT, 'bench/results', `${values.refit}.json`);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const samples = JSON.parse(readFileSync(join(ROOT, 'bench/results', `${values.refit}-samples.json`), 'utf8')) as Record<string, Sample[]>;
  for (const [part, curve] of Object.entries(samples)) saved[part] = { ...(saved[part] as object), ...figures(curve) };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(saved, null, 2)}\n`);
  process.exit(0);
}

const results: Record<string, unknown> = {};
const curves: Record<string, unknown> = {};
const only = values.only;

if (values['output-child'] || values['sink-child']) {
  // Part 3, in its own process: write --gib GiB of dataset (or of the sink's files) from a generator.
  const { writeDatasetFiles } = await import('@evolflow/mixer');
  const { zeroUsage } = await import('@evolflow/core');
  const seeds = readFileSync(SELF_INSTRUCT, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { instruction: string; instances: { output: string }[] });
  const target = Number(values.gib ?? '1.05') * 1024 * MB;
  const out = values.out as string;
  const filler = ' Explain each step, give two examples and state the assumptions you rely on.'.repeat(20);
  let written = 0;
  let n = 0;
  let peak = 0;
  function* records() {
    while (written < target) {
      const s = seeds[n % seeds.length] as { instruction: string; instances: { output: string }[] };
      const id = `r${String(n).padStart(9, '0')}`;
      const record = {
        id,
        seedId: id,
        parentId: null,
        round: 1,
        instruction: `${s.instruction} (${n})`,
        response: `${s.instances[0]?.output ?? ''}${filler}`,
        lineage: [],
        checks: [],
        usage: zeroUsage(),
      };
      written += record.instruction.length + record.response.length + 40;
      n++;
      if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      yield record;
    }
  }
  const t0 = Date.now();
  if (values['sink-child']) {
    const { startSink } = await import('@evolflow/cli');
    const { InMemoryTransport, waitDrained } = await import('@evolflow/transport');
    const transport = new InMemoryTransport();
    const sink = await startSink(transport, 'soak-sink', { spoolDir: join(out, '.evolflow-spool') });
    let chunk: EvolRecord[] = [];
    for (const record of records()) {
      chunk.push(record);
      if (chunk.length === 256) {
        await transport.publish('unique', chunk);
        chunk = [];
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    await transport.publish('unique', chunk);
    await waitDrained(transport);
    await sink.stop();
    peak = Math.max(peak, process.memoryUsage().rss);
    await sink.write(out);
    const sizes = Object.fromEntries(['kept.jsonl', 'lineage.jsonl'].map((f) => [f, statSync(join(out, f)).size]));
    const runs = Object.fromEntries(Object.entries(sink.stats().spools).map(([k, v]) => [k, v.runs]));
    process.stdout.write(
      `${JSON.stringify({ records: n, kept: sink.counts().kept, runs, seconds: (Date.now() - t0) / 1000, peakRss: Math.max(peak, process.memoryUsage().rss), sizes })}\n`,
    );
    process.exit(0);
  }
  const files = writeDatasetFiles(records(), { outDir: out, format: 'alpaca', metadata: 'none', parquet: true, datasetName: 'soak' });
  const sizes = Object.fromEntries(files.map((f) => [f, statSync(join(out, f)).size]));
  process.stdout.write(
    `${JSON.stringify({ records: n, seconds: (Date.now() - t0) / 1000, peakRss: Math.max(peak, process.memoryUsage().rss), sizes })}\n`,
  );
  process.exit(0);
}

if (!only || only === 'finite') {
  const copies = Number(values.copies ?? 58);
  const rounds = Number(values.rounds ?? 4);
  const sim = await spawnSimulator({ latencyMs: 0 });
  try {
    const out = tempDir('soak-finite');
    const cache = tempDir('soak-cache');
    const config = join(out, '..', `soak-finite-${process.pid}.yaml`);
    const maxMB = values['cache-mb'] === undefined ? '' : `\n    maxMB: ${Number(values['cache-mb'])}`;
    writeFileSync(config, `llm:\n  cache:\n    dir: ${cache}${maxMB}\n  concurrency: 64\n`);
    const seeds = seedFile(copies);
    const args = ['--seeds', seeds, '--rounds', String(rounds), '--out', out, '--llm', 'sim', '--base-url', sim.url, '--config', config];
    process.stderr.write(`soak: finite run of ${copies * 175} seeds x ${rounds} rounds into ${out}\n`);
    const run = await sampledRun(args);
    const summary = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { totals: Record<string, number>; durationMs: number };
    results.finite = {
      command: `evolflow run --seeds <${copies} x 175 self-instruct seeds> --rounds ${rounds}${maxMB === '' ? '' : ` (llm.cache.maxMB ${values['cache-mb']})`} --llm sim --base-url <simulator in its own process> --metrics-port P --no-progress`,
      exitCode: run.code,
      seeds: summary.totals.seeds,
      kept: summary.totals.kept,
      dataset: summary.totals.dataset,
      seconds: Math.round(summary.durationMs / 1000),
      ...figures(run.samples),
    };
    curves.finite = run.samples;
    if (run.code !== 0) process.stderr.write(run.stderr.slice(-2000));
  } finally {
    await sim.stop();
  }
}

for (const part of ['output', 'sink'] as const) {
  if (only && only !== part) continue;
  const out = tempDir(`soak-${part}`);
  const gib = values.gib ?? '1.05';
  process.stderr.write(`soak: writing ${gib} GiB of ${part === 'output' ? 'dataset' : "the sink's kept records"} into ${out}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/soak.ts'), `--${part}-child`, '--gib', gib, '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  let peak = 0;
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    peak = Math.max(peak, memoryOf(child.pid ?? 0)?.rss ?? 0);
    await sleep(500);
  }
  const code = await exited;
  const report = JSON.parse(text.trim().split('\n').at(-1) ?? '{}') as {
    records: number;
    seconds: number;
    sizes: Record<string, number>;
    kept?: number;
    runs?: Record<string, number>;
  };
  results[part] = {
    command:
      part === 'output'
        ? `writeDatasetFiles(<generator of records>, { parquet: true }) until ${gib} GiB of JSONL`
        : `startSink(<in-memory transport>) fed <generator of records> on "unique" until ${gib} GiB, then write()`,
    exitCode: code,
    records: report.records,
    ...(report.kept === undefined ? {} : { kept: report.kept, runFiles: report.runs }),
    seconds: report.seconds,
    sizesMB: Object.fromEntries(Object.entries(report.sizes ?? {}).map(([f, b]) => [f, round1(b / MB)])),
    peakRssMB: round1(peak / MB),
  };
  const { rmSync } = await import('node:fs');
  rmSync(out, { recursive: true, force: true });
}

if (!only || only === 'follow') {
  const minutes = Number(values['follow-minutes'] ?? 30);
  const rate = Number(values['follow-rate'] ?? 4);
  const rounds = Number(values.rounds ?? 4);
  const sim = await spawnSimulator({ latencyMs: 0 });
  try {
    const out = tempDir('soak-follow');
    const cache = tempDir('soak-follow-cache');
    const feed = join(tempDir('soak-feed'), 'feed.jsonl');
    writeFileSync(feed, '');
    const config = join(out, '..', `soak-follow-${process.pid}.yaml`);
    const maxMB = values['cache-mb'] === undefined ? '' : `\n    maxMB: ${Number(values['cache-mb'])}`;
    writeFileSync(config, `llm:\n  cache:\n    dir: ${cache}${maxMB}\n  concurrency: 64\n`);
    const pool = readFileSync(SELF_INSTRUCT, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { instruction: string; instances: { input: string; output: string }[] });
    let fed = 0;
    process.stderr.write(`soak: --follow for ${minutes} min at ${rate} seeds/s into ${out}\n`);
    const args = [
      '--seeds',
      feed,
      '--follow',
      '--rounds',
      String(rounds),
      '--out',
      out,
      '--llm',
      'sim',
      '--base-url',
      sim.url,
      '--config',
      config,
    ];
    const run = await sampledRun(args, async (child) => {
      const t0 = Date.now();
      const end = t0 + minutes * 60_000;
      // A steady feed: every 250 ms, the seeds due by then.
      while (Date.now() < end) {
        const due = Math.floor(((Date.now() - t0) / 1000) * rate);
        const lines: string[] = [];
        for (; fed < due; fed++) {
          const s = pool[fed % pool.length] as (typeof pool)[number];
          lines.push(
            JSON.stringify({
              instruction: `${s.instruction} (feed ${fed})`,
              input: s.instances[0]?.input ?? '',
              output: s.instances[0]?.output ?? '',
            }),
          );
        }
        if (lines.length > 0) appendFileSync(feed, `${lines.join('\n')}\n`);
        await sleep(250);
      }
      // Let the last seeds through their rounds, then stop as a user would.
      await sleep(20_000);
      child.kill('SIGINT');
    });
    const summary = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
      totals: Record<string, number>;
      durationMs: number;
      partial: boolean;
      outcome: unknown;
    };
    results.follow = {
      command: `evolflow run --follow --seeds <file appended at ${rate} seeds/s for ${minutes} min> --rounds ${rounds}${maxMB === '' ? '' : ` (llm.cache.maxMB ${values['cache-mb']})`} --llm sim --base-url <simulator in its own process> --metrics-port P --no-progress; then SIGINT`,
      exitCode: run.code,
      seedsFed: fed,
      seeds: summary.totals.seeds,
      kept: summary.totals.kept,
      dataset: summary.totals.dataset,
      partial: summary.partial,
      minutes,
      seconds: Math.round(summary.durationMs / 1000),
      ...figures(run.samples),
    };
    curves.follow = run.samples;
  } finally {
    await sim.stop();
  }
}

const name = values.name ?? (only ? `soak-${only}` : 'soak');
writeResults(name, results);
writeFileSync(join(ROOT, 'bench/results', `${name}-samples.json`), `${JSON.stringify(curves)}\n`);
