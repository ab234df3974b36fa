// Shared bench helpers: a simulator in its own process (as a real endpoint would be), bigger seed
// files made from the self-instruct seeds, and writing results.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, mergeDeep } from '@evolflow/core';
import { InMemoryTransport, type Transport } from '@evolflow/transport';
import { jsonLogger, setupLlm } from '@evolflow/runtime';
import { startPipeline, type RunSummary } from '@evolflow/cli';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SELF_INSTRUCT = resolve(ROOT, '../shared/data/seeds/self-instruct-seed-tasks.jsonl');

/**
 * Start `evolflow simulate` as a child process; resolves with its base URL. With
 * BENCH_SIM_PROF=<dir> the child writes a V8 CPU profile there when it stops (node refuses
 * --cpu-prof in NODE_OPTIONS, so the flag has to be passed here).
 */
export async function spawnSimulator(options: {
  latencyMs: number;
  seed?: number;
}): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const profile = process.env.BENCH_SIM_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SIM_PROF}`] : [];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--import',
      'tsx',
      join(ROOT, 'packages/cli/src/bin.ts'),
      'simulate',
      '--port',
      '0',
      '--seed',
      String(options.seed ?? 7),
      '--latency-ms',
      String(options.latencyMs),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((res, rej) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(buf);
      if (m) res(m[1] as string);
    });
    child.once('exit', (code) => rej(new Error(`simulator exited with ${code} before printing its URL`)));
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** A seed file of `copies` x 175 distinct seeds (self-instruct instructions with a variant tag). */
export function seedFile(copies: number): string {
  const lines = readFileSync(SELF_INSTRUCT, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (let c = 0; c < copies; c++) {
    for (const line of lines) {
      const rec = JSON.parse(line) as { instruction: string; instances?: { input: string; output: string }[] };
      out.push(
        JSON.stringify({
          instruction: c === 0 ? rec.instruction : `${rec.instruction} (variant ${c})`,
          input: rec.instances?.[0]?.input ?? '',
          output: rec.instances?.[0]?.output ?? '',
        }),
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'evolflow-bench-'));
  const path = join(dir, `seeds-${copies}.jsonl`);
  writeFileSync(path, `${out.join('\n')}\n`);
  return path;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `evolflow-${prefix}-`));
}

/**
 * Print and write `bench/results/<name>.json`, or `<EVOLFLOW_BENCH_RESULTS>/<name>.json` when that
 * is set (`npm run bench -- --quick` sends its small runs to bench/results/quick/, so they never
 * overwrite the published figures).
 */
export function writeResults(name: string, results: Record<string, unknown>): void {
  const dir = resolve(ROOT, process.env.EVOLFLOW_BENCH_RESULTS || 'bench/results');
  mkdirSync(dir, { recursive: true });
  const body = { bench: name, at: new Date().toISOString(), node: process.version, ...results };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}

export interface TimedRunOptions {
  latencyMs: number;
  rounds: number;
  /** Seed file path. */
  seeds: string;
  /** Config overrides merged over the bench defaults (transport settings, for example). */
  overrides?: unknown;
  /** The transport to run on (default: a new in-memory one). */
  transport?(): Promise<Transport>;
}

/** CPU seconds (user + system) a process (or one of its threads) has used so far, from /proc (Linux); undefined elsewhere. */
export function processCpuSeconds(pid: number, thread?: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** CPU seconds each side spent during a timed run: wall time is noisy on a shared machine, CPU time less so. */
export interface RunCpu {
  pipeline: number;
  /** The pipeline's main thread alone (its event loop: the part that cannot use a second core). */
  pipelineMainThread: number | undefined;
  simulator: number | undefined;
}

/**
 * One whole pipeline run against a simulator in its own process (LLM concurrency 64, cache off),
 * timed from the first seed to the written run summary.
 */
export async function timedPipelineRun(options: TimedRunOptions): Promise<{ summary: RunSummary; seconds: number; cpu: RunCpu }> {
  const sim = await spawnSimulator({ latencyMs: options.latencyMs });
  try {
    const config = loadConfig({
      env: {},
      cwd: ROOT,
      overrides: mergeDeep(
        {
          run: { rounds: options.rounds, outDir: tempDir('bench-out') },
          llm: {
            provider: 'sim',
            baseUrl: sim.url,
            concurrency: 64,
            cache: { enabled: false, dir: tempDir('bench-cache') },
            timeoutMs: 30_000,
          },
          stages: { concurrency: 64 },
        },
        options.overrides ?? {},
      ),
    });
    const llm = await setupLlm(config);
    const transport = options.transport ? await options.transport() : new InMemoryTransport();
    const simPid = sim.child.pid ?? 0;
    const simCpu0 = processCpuSeconds(simPid);
    const cpu0 = process.cpuUsage();
    const main0 = processCpuSeconds(process.pid, process.pid);
    const t0 = process.hrtime.bigint();
    const pipeline = await startPipeline({
      config,
      seedFiles: [options.seeds],
      transport,
      llm: llm.llm,
      logger: jsonLogger('error'),
      cwd: ROOT,
    });
    const summary = await pipeline.done;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const used = process.cpuUsage(cpu0);
    const simCpu1 = processCpuSeconds(simPid);
    const main1 = processCpuSeconds(process.pid, process.pid);
    const cpu: RunCpu = {
      pipeline: (used.user + used.system) / 1e6,
      pipelineMainThread: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
      simulator: simCpu0 === undefined || simCpu1 === undefined ? undefined : simCpu1 - simCpu0,
    };
    await transport.close();
    await llm.close();
    return { summary, seconds, cpu };
  } finally {
    await sim.stop();
  }
}
