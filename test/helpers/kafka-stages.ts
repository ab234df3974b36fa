// Stage processes for the Kafka end-to-end tests: `evolflow stage <name> --transport kafka` as
// child processes (the CLI, as an operator runs it), with their JSON log lines collected, a
// graceful stop that returns the stage's final counts, and SIGKILL for crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageName } from '@evolflow/core';
import type { StageStats } from '@evolflow/transport';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from './kafka.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'packages/cli/src/bin.ts');

/** What every stage process of one test shares. */
export interface StageFleet {
  brokers: string;
  prefix: string;
  simulatorUrl: string;
  rounds: number;
  outDir: string;
  /** A YAML config file for settings with no flag (written by `fleetConfig`). */
  configFile: string;
}

/**
 * Write the config file every process of a test shares (stages, the driver, the reference run):
 * the foundation's settings, no LLM cache (the simulator's answers are a function of its seed and
 * the request), and the simulator's fault rate for runs that start their own simulator.
 */
export function fleetConfig(dir: string, faultRate = 0): string {
  const file = join(dir, 'evolflow.kafka-test.yaml');
  writeFileSync(
    file,
    `run:
  seed: 11
llm:
  timeoutMs: 1500
  maxRetries: 6
  backoffBaseMs: 20
  backoffMaxMs: 200
  cache:
    enabled: false
simulator:
  seed: 3
  faultRate: ${faultRate}
mix:
  replayShare: 0.2
`,
  );
  return file;
}

export interface StageProcess {
  readonly name: StageName;
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** Resolves once the stage logged that it runs. */
  readonly running: Promise<void>;
  /** SIGTERM, wait for the exit; the stage's counts from its stopping line. */
  stop(): Promise<StageStats>;
  /** SIGKILL (no commit, no goodbye), wait for the exit. */
  kill(): Promise<void>;
}

export function spawnStage(name: StageName, fleet: StageFleet): StageProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      bin,
      'stage',
      name,
      '--transport',
      'kafka',
      '--brokers',
      fleet.brokers,
      '--prefix',
      fleet.prefix,
      '--llm',
      'sim',
      '--base-url',
      fleet.simulatorUrl,
      '--rounds',
      String(fleet.rounds),
      '--out',
      fleet.outDir,
      '--config',
      fleet.configFile,
      '--log-level',
      'info',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const lines = text.split('\n');
    text = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const logged = (re: RegExp) => logs.find((l) => re.test(String(l.msg)));
  const running = waitFor(
    `stage ${name} to start`,
    () => {
      if (child.exitCode !== null) throw new Error(`stage ${name} exited with ${child.exitCode}: ${JSON.stringify(logs.slice(-3))}`);
      return logged(new RegExp(`^stage ${name} running`)) !== undefined;
    },
    { timeoutMs: 120_000 },
  );
  return {
    name,
    child,
    logs,
    running,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const line = logged(new RegExp(`^stage ${name} stopping`));
      if (!line) throw new Error(`stage ${name} exited without its stopping line: ${JSON.stringify(logs.slice(-3))}`);
      return line.stats as StageStats;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Members of a consumer group and how many partitions each holds (from the broker). */
export async function groupMembers(brokers: string, group: string): Promise<number[]> {
  const admin = new Kafka({ brokers: [brokers], clientId: 'evolflow-test', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    if (!g || g.state !== 'Stable') return [];
    return g.members.map((m) => {
      const buf = m.memberAssignment;
      // ConsumerProtocolAssignment: version(int16), topics array(int32), per topic name + partitions array.
      if (buf.length < 6) return 0;
      let o = 2;
      const topics = buf.readInt32BE(o);
      o += 4;
      let partitions = 0;
      for (let t = 0; t < topics; t++) {
        const len = buf.readInt16BE(o);
        o += 2 + len;
        const n = buf.readInt32BE(o);
        o += 4 + 4 * n;
        partitions += n;
      }
      return partitions;
    });
  } finally {
    await admin.disconnect();
  }
}

/** Run `evolflow <args>` to completion; rejects with its output when it fails. */
export function runCli(args: readonly string[], timeoutMs = 600_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`evolflow ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-3000)}`));
    });
  });
}
