// `evolflow run --follow` on the in-memory transport against an external endpoint (a simulator
// this test serves, as any OpenAI-compatible server would be): it follows the seed file as seeds
// are appended, runs until stopped, and on SIGINT writes every output with the counts of what it was
// fed (issue 13: it used to exit 0 by itself after a few seconds, with no output).
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { evolflow } from './helpers/cli.ts';

const ROUNDS = 2;

let sim: RunningSimulator | undefined;
afterAll(async () => {
  await sim?.close();
});

const seedLine = (n: number) => JSON.stringify({ instruction: `Describe step ${n} of planting a tree, with the tools it needs.` });
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

/** A free TCP port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Sum of a counter in the run's Prometheus scrape (0 while it is not serving yet). */
async function scrape(port: number, name: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`evolflow exited (${child.exitCode}) while waiting for ${what}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('run --follow on the in-memory transport', () => {
  it('follows the seed file as it grows, runs until SIGINT, then writes every output with the counts fed', async () => {
    sim = await startSimulator({ seed: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-follow-'));
    const feed = join(dir, 'feed.jsonl');
    const out = join(dir, 'out');
    const config = join(dir, 'evolflow.yaml');
    writeFileSync(config, `run:\n  rounds: ${ROUNDS}\nllm:\n  provider: sim\n  cache:\n    dir: ${join(dir, 'cache')}\n`);
    writeFileSync(feed, `${[1, 2, 3].map(seedLine).join('\n')}\n`);
    const port = await freePort();
    const ran = evolflow([
      'run',
      '--follow',
      '--seeds',
      feed,
      '--out',
      out,
      '--config',
      config,
      '--base-url',
      sim.url,
      '--no-progress',
      '--metrics-port',
      String(port),
    ]);
    const { child } = ran;
    const evolutions = () => scrape(port, 'evolflow_evolutions_total');
    try {
      // The first 3 seeds go through both rounds; the run then waits for more, it does not end.
      await until('3 seeds x 2 rounds of evolutions', async () => (await evolutions()) === 3 * ROUNDS, child);
      // Appended: 4 more seeds, the last one in two writes (a line is read only once it is complete).
      appendFileSync(feed, `${[4, 5, 6].map(seedLine).join('\n')}\n`);
      const last = seedLine(7);
      appendFileSync(feed, last.slice(0, 20));
      await until('6 seeds x 2 rounds', async () => (await evolutions()) === 6 * ROUNDS, child);
      appendFileSync(feed, `${last.slice(20)}\n`);
      await until('7 seeds x 2 rounds', async () => (await evolutions()) === 7 * ROUNDS, child);
      expect(child.exitCode).toBeNull();
      child.kill('SIGINT');
      const code = await ran.code;
      expect(ran.stderr()).toContain('evolflow: SIGINT: stopping: no new work is taken');
      expect(code).toBe(130);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
      partial: boolean;
      stoppedBy: string;
      totals: { seeds: number; seedRejects: number; evolutions: number; kept: number; rejected: number; dataset: number };
    };
    expect(run.stoppedBy).toBe('SIGINT');
    expect(run.partial).toBe(false); // everything fed had reached its terminal state
    expect(run.totals.seeds).toBe(7);
    expect(run.totals.seedRejects).toBe(0);
    expect(run.totals.evolutions).toBe(7 * ROUNDS);
    expect(lines(join(out, 'seeds.jsonl'))).toHaveLength(7);
    const kept = lines(join(out, 'kept.jsonl')).length;
    const evolvedRejects = lines(join(out, 'rejected.jsonl'))
      .map((l) => JSON.parse(l) as { round: number })
      .filter((r) => r.round > 0).length;
    expect(kept + evolvedRejects).toBe(7 * ROUNDS);
    expect(kept).toBe(run.totals.kept);
    expect(lines(join(out, 'lineage.jsonl'))).toHaveLength(7 + run.totals.kept + run.totals.rejected);
    expect(run.totals.dataset).toBeGreaterThan(0);
  });
});
