// A stop cancels LLM waits (issue 13): `evolflow run` spawned as a user would, against an endpoint
// that answers one seed's request with 429 and `Retry-After: 3600` while llm.maxRetryAfterMs allows
// the whole hour and run.stopGraceMs is ten minutes. One SIGINT must end the run at once (130, partial
// outputs): the hour is not waited for, the record whose call was cancelled is neither an llm-error
// reject nor a dead letter, and the same command then resumes it to a complete run. Nothing here
// asserts time: without the cancel the run would sit in its grace period past this test's timeout.
// The same in memory and over Kafka.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { evolflow } from './helpers/cli.ts';
import { kafkaBroker, uniquePrefix } from './helpers/kafka.ts';

const SLOW = 'SLOW-SEED';

/** In front of the simulator: a request naming SLOW gets 429 with an hour's Retry-After (until `heal()`), the rest pass. */
async function saturatedFor(sim: RunningSimulator) {
  let healed = false;
  const seen = { all: 0, slow: 0 };
  const server = createServer((req, res) => {
    seen.all++;
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const text = Buffer.concat(body).toString('utf8');
      if (text.includes(SLOW)) {
        seen.slow++;
        if (!healed) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3600' });
          res.end(JSON.stringify({ error: { message: 'Rate limit reached; try again in 1 hour', type: 'requests' } }));
          return;
        }
      }
      fetch(`${sim.url}${(req.url ?? '').replace(/^\/v1/, '')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      }).then(
        async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(await r.text());
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    seen,
    heal: () => void (healed = true),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sims: RunningSimulator[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  // A run left waiting (the test timed out) is not left behind.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of sims) await s.close();
});

/** The transport's arguments: the in-memory default, and a real Kafka broker (scripts/kafka.sh), where the cancelled record is left uncommitted and comes again to the resume. */
const TRANSPORTS: [string, () => Promise<string[]>][] = [
  ['in memory', async () => []],
  ['over Kafka', async () => ['--transport', 'kafka', '--brokers', await kafkaBroker(), '--prefix', uniquePrefix('stop-waits')]],
];

describe('evolflow run: a stop cancels LLM waits', () => {
  it.each(TRANSPORTS)(
    '%s: one SIGINT while a call waits an hour on Retry-After: exits 130 at once, no retry, no llm-error reject, no dead letter; the resume completes',
    async (_name, transportArgs) => {
      const sim = await startSimulator({ seed: 11 });
      sims.push(sim);
      const endpoint = await saturatedFor(sim);
      const dir = mkdtempSync(join(tmpdir(), 'evolflow-stop-waits-'));
      const seeds = join(dir, 'seeds.jsonl');
      const instructions = [
        'Name three primary colors.',
        'Give a short definition of a prime number.',
        `Explain what the ${SLOW} marker in this sentence is for.`,
        'Write a haiku about autumn rain.',
      ];
      writeFileSync(seeds, `${instructions.map((instruction) => JSON.stringify({ instruction })).join('\n')}\n`);
      const config = join(dir, 'evolflow.config.yaml');
      writeFileSync(
        config,
        stringify({
          run: { rounds: 1, stopGraceMs: 600_000 },
          llm: { provider: 'sim', maxRetries: 3, maxRetryAfterMs: 7_200_000, cache: { enabled: true, dir: join(dir, 'cache') } },
        }),
      );
      const out = join(dir, 'out');
      const args = [
        'run',
        '--config',
        config,
        '--seeds',
        seeds,
        '--out',
        out,
        '--no-progress',
        '--base-url',
        endpoint.url,
        ...(await transportArgs()),
      ];
      const start = (logLevel: string) => {
        const ran = evolflow([...args, '--log-level', logLevel]);
        children.push(ran.child);
        return ran;
      };
      const ran = start('debug');
      try {
        // The client logs its retry after it has paused admissions for the hour: from here no request may leave.
        while (!ran.stderr().includes('retry 1 in 3600000 ms after 429')) {
          expect(ran.child.exitCode).toBeNull();
          await new Promise((r) => setTimeout(r, 20));
        }
        const seenAtStop = endpoint.seen.all;
        ran.kill('SIGINT');
        expect(await ran.code).toBe(130);
        // The hour was not waited for: the endpoint got no request after the stop, and the slow one only once.
        expect(endpoint.seen.all).toBe(seenAtStop);
        expect(endpoint.seen.slow).toBe(1);
        expect(ran.stderr()).toContain(
          'evolflow: SIGINT: stopping: no new work is taken; work in flight gets up to 600 s (run.stopGraceMs), then what is finished is written. Press Ctrl-C again to leave at once.\n' +
            'evolflow: LLM calls that would wait longer than that (a Retry-After, a rate limit) are cancelled now, and calls still running when the grace period ends are aborted; their records are left for the resume.\n',
        );
        // The cancelled call names the stop and what it was waiting for.
        expect(ran.stderr()).toMatch(
          /LLM evolver call \(model [^)]+\) for record [\w.-]+ was cancelled by a stop \(SIGINT\) while it waited to retry \(backoff or Retry-After\); not an endpoint failure/,
        );
        expect(ran.stderr()).toContain(
          `evolflow: stopped by SIGINT: the outputs hold what was finished so far (partial: true in run.json); outputs in ${out}.`,
        );

        const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
          partial: boolean;
          stoppedBy: string;
          outcome: { exitCode: number; status: string };
          llm: { calls: number; retries: number; errors: number };
        };
        expect(runJson).toMatchObject({ partial: true, stoppedBy: 'SIGINT', outcome: { exitCode: 130, status: 'interrupted' } });
        // Every request sent is a call; the cancelled wait is neither a retry made nor a failed call.
        expect(runJson.llm).toMatchObject({ calls: seenAtStop, retries: 0, errors: 0 });
        const lines = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean) : []);
        expect(lines('rejected.jsonl').filter((l) => l.includes('llm-error'))).toEqual([]);
        expect(lines('dlq.jsonl')).toEqual([]);
        // The slow seed's evolution was left undone: no child of it was written anywhere.
        const written = [...lines('kept.jsonl'), ...lines('rejected.jsonl')].filter((l) => l.includes(SLOW));
        expect(written).toEqual([]);
        expect(lines('lineage.jsonl').length).toBe(
          lines('seeds.jsonl').length + lines('kept.jsonl').length + lines('rejected.jsonl').length,
        );

        // The endpoint recovers; the same command resumes and does the cancelled record again.
        endpoint.heal();
        const again = start('silent');
        expect(await again.code).toBe(0);
        expect(again.stderr()).toBe(
          `evolflow: resuming the run in ${out} stopped by SIGINT (attempt 2); answers already paid for come from the cache\n`,
        );
        expect(endpoint.seen.slow).toBeGreaterThanOrEqual(2);
        const done = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { partial: boolean; llm: { errors: number } };
        expect(done).toMatchObject({ partial: false, llm: { errors: 0 } });
        expect([...lines('kept.jsonl'), ...lines('rejected.jsonl')].filter((l) => l.includes(SLOW)).length).toBe(1);
        expect(lines('rejected.jsonl').filter((l) => l.includes('llm-error'))).toEqual([]);
      } finally {
        await endpoint.close();
      }
    },
    120_000,
  );
});
