// Runs users can trust (issue 13): `evolflow run` spawned as a user would, with planted secrets,
// failing endpoints, empty and hostile inputs, and a second run on a locked --out. Each test
// asserts the exit code and the exact message.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { evolflow as start, evolflowDone as evolflow } from './helpers/cli.ts';

const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `evolflow-trust-${name}-`));

const SEEDS = [
  { instruction: 'Name three primary colors.' },
  { instruction: 'Explain why the sky is blue in two sentences.' },
  { instruction: 'Write a haiku about autumn rain.' },
  { instruction: 'Give a short definition of a prime number.' },
];

function seedFile(dir: string, lines: readonly string[] = SEEDS.map((s) => JSON.stringify(s)), name = 'seeds.jsonl'): string {
  const path = join(dir, name);
  writeFileSync(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return path;
}

/** A config file in `dir`: one round, no retries (failures end fast), a cache in `dir` unless set. */
function configFile(dir: string, config: Record<string, unknown> = {}): string {
  const path = join(dir, 'evolflow.config.yaml');
  const llm = (config.llm ?? {}) as Record<string, unknown>;
  const run = (config.run ?? {}) as Record<string, unknown>;
  writeFileSync(
    path,
    stringify({
      ...config,
      run: { rounds: 1, ...run },
      llm: { provider: 'sim', maxRetries: 0, cache: { enabled: true, dir: join(dir, 'cache') }, ...llm },
    }),
  );
  return path;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const sims: RunningSimulator[] = [];
afterAll(async () => {
  for (const s of sims) await s.close();
});

describe('evolflow run: secrets', () => {
  it('writes and prints no planted key: not from the config, the environment, a URL with credentials or an ?api_key= URL', async () => {
    const sim = await startSimulator({ seed: 3 });
    sims.push(sim);
    const dir = tempDir('secrets');
    const out = join(dir, 'out');
    const keys = {
      config: 'sk-planted-CONFIG-4f1c2e9a',
      env: 'sk-planted-ENV-77b3d0c1',
      url: 'planted-URLPASS-90ab12cd',
      query: 'planted-QUERY-5e6f7a8b',
    };
    const port = new URL(sim.url).port;
    const config = configFile(dir, {
      run: { maxFailureRate: 1 },
      llm: {
        apiKey: keys.config,
        baseUrl: `http://evolflow:${keys.url}@127.0.0.1:${port}/v1`,
        // The judge's endpoint takes its key in the query, which this endpoint does not serve: its failures name the URL.
        roles: { judge: { baseUrl: `http://127.0.0.1:${port}/v1/?api_key=${keys.query}` } },
      },
    });
    const ran = await evolflow(
      ['run', '--config', config, '--seeds', seedFile(dir), '--out', out, '--no-progress', '--log-level', 'debug'],
      { OPENAI_API_KEY: keys.env },
    );
    expect(ran.code).toBe(0);
    const written = [...filesUnder(out), ...filesUnder(join(dir, 'cache'))];
    expect(written.map((f) => f.slice(dir.length + 1))).toEqual(
      expect.arrayContaining([
        'out/run.json',
        'out/rejected.jsonl',
        'out/data/jsonl/train-00000-of-00001.jsonl',
        'out/report.html',
        'out/metrics.prom',
        'cache/data.mdb',
      ]),
    );
    // The judge's failures were written and logged, URL included (so the redaction was exercised).
    expect(readFileSync(join(out, 'rejected.jsonl'), 'utf8')).toContain('?api_key=[redacted]');
    expect(ran.stderr).toContain('?api_key=[redacted]');
    for (const key of Object.values(keys)) {
      for (const file of written) expect(readFileSync(file).includes(key), `${key} in ${file}`).toBe(false);
      expect(ran.stdout.includes(key) || ran.stderr.includes(key), `${key} printed`).toBe(false);
    }
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
      config: { llm: { apiKey: string; baseUrl: string; roles: { judge: { baseUrl: string } } } };
    };
    expect(runJson.config.llm.apiKey).toBe('[redacted]');
    expect(runJson.config.llm.baseUrl).toBe(`http://[redacted]@127.0.0.1:${port}/v1`);
    expect(runJson.config.llm.roles.judge.baseUrl).toBe(`http://127.0.0.1:${port}/v1/?api_key=[redacted]`);
  });
});

describe('evolflow run: exit codes', () => {
  it('exits 4 with one line when every LLM request fails (a closed port)', async () => {
    const dir = tempDir('closed');
    const port = await closedPort();
    const ran = await evolflow([
      'run',
      '--config',
      configFile(dir),
      '--seeds',
      seedFile(dir),
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--log-level',
      'silent',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
    ]);
    expect(ran.code).toBe(4);
    const lines = ran.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^evolflow: run failed \(exit 4, llm-all-failed\): every LLM request failed \(4 of 4\): the dataset holds no evolution; first failure: LLM evolver call \(model gpt-4o-mini\) for record \S+ failed after 1 attempt: no HTTP response \(connection\): /,
    );
    expect(lines[0]).toContain(`check that the endpoint at http://127.0.0.1:${port}/v1 is running (llm.baseUrl)`);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8')).outcome).toMatchObject({ exitCode: 4, status: 'llm-all-failed' });
  });

  it('stops early with 4 once run.failFastAfter requests in a row failed: partial outputs, no grinding through every seed', async () => {
    const dir = tempDir('fail-fast');
    const port = await closedPort();
    const seeds = seedFile(
      dir,
      Array.from({ length: 40 }, (_, i) => JSON.stringify({ instruction: `Describe the color number ${i + 1}.` })),
    );
    const config = configFile(dir, { run: { failFastAfter: 5 }, llm: { concurrency: 1 }, stages: { concurrency: 1 } });
    const args = [
      'run',
      '--config',
      config,
      '--seeds',
      seeds,
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--log-level',
      'silent',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
    ];
    const ran = await evolflow(args);
    expect(ran.code).toBe(4);
    const lines = ran.stderr.trim().split('\n');
    expect(lines[0]).toBe('evolflow: the last 5 LLM requests all failed (run.failFastAfter): stopping the run; no new work is taken.');
    expect(lines[1]).toMatch(
      /^evolflow: run failed \(exit 4, llm-failing\): the LLM requests kept failing \(run\.failFastAfter in a row\), so the run stopped early: the outputs hold what was finished so far \(partial: true in run\.json\); first failure: LLM evolver call .* no HTTP response \(connection\)/,
    );
    expect(lines.slice(2)).toEqual([
      'To resume, run the same command again (answers already paid for come from the cache):',
      `  evolflow ${args.join(' ')}`,
    ]);
    const run = JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8')) as {
      partial: boolean;
      stoppedBy: string;
      llm: { errors: number };
    };
    expect(run).toMatchObject({ partial: true, stoppedBy: 'llm-failing' });
    expect(run.llm.errors).toBeGreaterThanOrEqual(5);
    expect(run.llm.errors).toBeLessThan(40);
  });

  it('exits 4 when every request gets a 500', async () => {
    const dir = tempDir('all-500');
    const ran = await evolflow([
      'run',
      '--config',
      configFile(dir, { simulator: { faultRate: 1, faults: ['server-error'] } }),
      '--seeds',
      seedFile(dir),
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--log-level',
      'silent',
    ]);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(
      /^evolflow: run failed \(exit 4, llm-all-failed\): every LLM request failed \(4 of 4\): .*HTTP 500 \(server-error\)/,
    );
  });

  it('exits 5 when the share of failed requests passes run.maxFailureRate, and 0 when the limit allows it', async () => {
    const dir = tempDir('rate');
    const simulator = { faultRate: 0.5, faults: ['server-error'] };
    const seeds = seedFile(
      dir,
      Array.from({ length: 12 }, (_, i) => JSON.stringify({ instruction: `Describe the number ${i + 1} in one sentence.` })),
    );
    const strict = await evolflow([
      'run',
      '--config',
      configFile(dir, { simulator, run: { maxFailureRate: 0.2 }, llm: { cache: { enabled: false } } }),
      '--seeds',
      seeds,
      '--out',
      join(dir, 'strict'),
      '--no-progress',
      '--log-level',
      'silent',
    ]);
    expect(strict.code).toBe(5);
    const outcome = JSON.parse(readFileSync(join(dir, 'strict', 'run.json'), 'utf8')) as {
      outcome: { message: string };
      llm: { calls: number; errors: number };
    };
    expect(outcome.llm.errors).toBeGreaterThan(0);
    expect(outcome.llm.errors).toBeLessThan(outcome.llm.calls);
    const pct = ((outcome.llm.errors / outcome.llm.calls) * 100).toFixed(1);
    expect(strict.stderr.trim()).toMatch(
      new RegExp(
        `^evolflow: run failed \\(exit 5, llm-failure-rate\\): ${outcome.llm.errors} of ${outcome.llm.calls} LLM requests failed \\(${pct.replace('.', '\\.')}%, above run\\.maxFailureRate 20\\.0%\\); first failure: `,
      ),
    );
    const lenient = await evolflow([
      'run',
      '--config',
      configFile(dir, { simulator, run: { maxFailureRate: 0.9 }, llm: { cache: { enabled: false } } }),
      '--seeds',
      seeds,
      '--out',
      join(dir, 'lenient'),
      '--no-progress',
      '--log-level',
      'silent',
    ]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toBe('');
  });

  it('exits 3 on an empty seed file before writing anything, and on a seed file with no usable line', async () => {
    const dir = tempDir('empty');
    const empty = seedFile(dir, [], 'empty.jsonl');
    const ran = await evolflow(['run', '--config', configFile(dir), '--seeds', empty, '--out', join(dir, 'out'), '--no-progress']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toBe(`evolflow: seed file ${empty} is empty: nothing to evolve\n`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const junk = seedFile(dir, ['', '{"nothing": "here"}', 'not json'], 'junk.jsonl');
    const again = await evolflow([
      'run',
      '--config',
      configFile(dir),
      '--seeds',
      junk,
      '--out',
      join(dir, 'out2'),
      '--no-progress',
      '--log-level',
      'silent',
    ]);
    expect(again.code).toBe(3);
    expect(again.stderr).toBe(
      `evolflow: run failed (exit 3, empty-input): no seeds to evolve in ${junk}: every one of its 2 lines was rejected (see rejected.jsonl)\n`,
    );
  });
});

describe('evolflow run: bad input', () => {
  it('rejects a 10 KB line nested 5,000 deep as too-deep with its file:line, and the run goes on', async () => {
    const dir = tempDir('deep');
    const deep = `{"instruction":"x","input":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const seeds = seedFile(dir, [JSON.stringify(SEEDS[0]), deep, JSON.stringify(SEEDS[1])]);
    const ran = await evolflow([
      'run',
      '--config',
      configFile(dir),
      '--seeds',
      seeds,
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--log-level',
      'silent',
    ]);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    const rejected = readFileSync(join(dir, 'out', 'rejected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { round: number; rejection: { reason: string; detail: string } });
    expect(rejected.filter((r) => r.round === 0).map((r) => r.rejection)).toEqual([
      { stage: 'seed', reason: 'too-deep', detail: 'seeds.jsonl:2: the line nests arrays and objects more than 64 levels deep' },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8')).totals).toMatchObject({ seeds: 2, seedRejects: 1 });
  });

  it('a folder as --seeds, a file as --out and --rounds abc: one line each (a bad value adds where to read the options), no stack, exit 2', async () => {
    const dir = tempDir('usage');
    const asFile = join(dir, 'file-not-folder');
    writeFileSync(asFile, 'x');
    const cases: [string[], string][] = [
      [['--seeds', dir], `evolflow: --seeds ${dir} is a folder; pass a seed file (.jsonl, .json or .txt), one --seeds per file\n`],
      [
        ['--seeds', seedFile(dir), '--out', asFile],
        `evolflow: --out ${asFile} is a file, not a folder; choose a folder for the run's outputs\n`,
      ],
      [
        ['--seeds', seedFile(dir), '--rounds', 'abc'],
        'evolflow: run: --rounds must be a whole number, not "abc"\nSee \'evolflow help run\' for its options.\n',
      ],
      [['--seeds', join(dir, 'missing.jsonl')], `evolflow: --seeds ${join(dir, 'missing.jsonl')}: no such file\n`],
    ];
    for (const [args, message] of cases) {
      const ran = await evolflow(['run', '--config', configFile(dir), '--out', join(dir, 'out'), '--no-progress', ...args]);
      expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 2, stderr: message });
    }
  });

  it('a cache folder that is a file (the simulator already started) and an unreachable broker: one line, exit 2 and 7, no hang', async () => {
    const dir = tempDir('no-hang');
    const file = join(dir, 'cache-is-a-file');
    writeFileSync(file, 'mine');
    const cache = await evolflow([
      'run',
      '--config',
      configFile(dir, { llm: { cache: { enabled: true, dir: file } } }),
      '--seeds',
      seedFile(dir),
      '--out',
      join(dir, 'out'),
      '--no-progress',
    ]);
    expect(cache.code).toBe(2);
    expect(cache.stderr).toBe(
      `evolflow: cannot open the LLM response cache in ${file} (llm.cache.dir): EEXIST: file already exists, mkdir '${file}'; fix the path or set llm.cache.enabled to false\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('mine');
    const port = await closedPort();
    const kafka = await evolflow([
      'run',
      '--config',
      configFile(dir),
      '--seeds',
      seedFile(dir),
      '--out',
      join(dir, 'out'),
      '--no-progress',
      '--transport',
      'kafka',
      '--brokers',
      `127.0.0.1:${port}`,
    ]);
    expect(kafka.code).toBe(7);
    expect(kafka.stderr).toMatch(
      new RegExp(`^evolflow: cannot reach Kafka at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*check transport\\.kafka\\.brokers\\n$`),
    );
  });

  it('refuses an --out whose outputs would overwrite an input, naming both paths', async () => {
    const dir = tempDir('overwrite');
    const seeds = seedFile(dir);
    const before = readFileSync(seeds, 'utf8');
    const ran = await evolflow(['run', '--config', configFile(dir), '--seeds', seeds, '--out', dir, '--no-progress']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toBe(
      `evolflow: --out ${dir} would overwrite the input ${seeds} (the run writes seeds.jsonl into ${dir}); choose another --out\n`,
    );
    expect(readFileSync(seeds, 'utf8')).toBe(before);
  });
});

describe('evolflow run: one run per --out', () => {
  it("refuses a second run naming the first one's pid, and takes over the lock of a run that is gone", async () => {
    const dir = tempDir('lock');
    const out = join(dir, 'out');
    mkdirSync(out);
    const lock = join(out, '.evolflow.lock');
    // A live owner: this test process.
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-11-30T12:00:00.000Z', command: 'evolflow run' }),
    );
    const refused = await evolflow(['run', '--config', configFile(dir), '--seeds', seedFile(dir), '--out', out, '--no-progress']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toBe(
      `evolflow: --out ${out} is in use by another evolflow run (pid ${process.pid} on ${hostname()}, started 2026-11-30T12:00:00.000Z: evolflow run); wait for it to finish or choose another --out\n`,
    );
    expect(existsSync(join(out, 'run.json'))).toBe(false);
    // A dead owner: a process that has exited.
    const gone = spawn(process.execPath, ['-e', '0']);
    const deadPid = gone.pid as number;
    await new Promise((r) => gone.on('close', r));
    writeFileSync(lock, JSON.stringify({ pid: deadPid, host: hostname(), startedAt: '2026-11-30T11:00:00.000Z', command: 'evolflow run' }));
    const took = await evolflow(['run', '--config', configFile(dir), '--seeds', seedFile(dir), '--out', out, '--no-progress']);
    expect(took.code).toBe(0);
    expect(took.stderr).toContain(
      `took over the lock of ${out} from a run that is gone (pid ${deadPid}, started 2026-11-30T11:00:00.000Z)`,
    );
    expect(existsSync(lock)).toBe(false);
    expect(statSync(join(out, 'run.json')).isFile()).toBe(true);
  });

  it('a second run while the first is running: refused with exit 6 naming its pid; the first completes', async () => {
    const sim = await startSimulator({ seed: 5 });
    sims.push(sim);
    // The first run's LLM requests wait at this gate until the second run has been refused.
    let open = false;
    const held: (() => void)[] = [];
    let seen = 0;
    const gate = createHttpServer((req, res) => {
      seen++;
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        const pass = () => {
          fetch(`${sim.url}${(req.url ?? '').replace(/^\/v1/, '')}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: Buffer.concat(body),
          }).then(
            async (r) => {
              res.writeHead(r.status, { 'content-type': 'application/json' });
              res.end(await r.text());
            },
            () => res.destroy(),
          );
        };
        if (open) pass();
        else held.push(pass);
      });
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    const gateUrl = `http://127.0.0.1:${(gate.address() as { port: number }).port}/v1`;
    try {
      const dir = tempDir('second');
      const out = join(dir, 'out');
      const args = [
        'run',
        '--config',
        configFile(dir, { llm: { cache: { enabled: false } } }),
        '--seeds',
        seedFile(dir),
        '--out',
        out,
        '--no-progress',
        '--log-level',
        'silent',
        '--base-url',
        gateUrl,
      ];
      const first = evolflow(args);
      while (seen === 0) await new Promise((r) => setTimeout(r, 50));
      const owner = JSON.parse(readFileSync(join(out, '.evolflow.lock'), 'utf8')) as { pid: number };
      const second = await evolflow(args);
      expect(second.code).toBe(6);
      expect(second.stderr).toMatch(
        new RegExp(
          `^evolflow: --out ${out} is in use by another evolflow run \\(pid ${owner.pid} on ${hostname()}, started [^)]+\\); wait for it to finish or choose another --out\n$`,
        ),
      );
      open = true;
      for (const pass of held.splice(0)) pass();
      expect((await first).code).toBe(0);
      expect(existsSync(join(out, '.evolflow.lock'))).toBe(false);
    } finally {
      gate.closeAllConnections();
      await new Promise<void>((r) => gate.close(() => r()));
    }
  });
});

/** An HTTP gate in front of the simulator: passes the first `pass` requests, holds the rest until `open()`. */
async function gateTo(sim: RunningSimulator, pass: number) {
  let opened = false;
  let seen = 0;
  const held: (() => void)[] = [];
  const server = createHttpServer((req, res) => {
    seen++;
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const forward = () => {
        fetch(`${sim.url}${(req.url ?? '').replace(/^\/v1/, '')}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(body),
        }).then(
          async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(await r.text());
          },
          () => res.destroy(),
        );
      };
      if (opened || seen <= pass) forward();
      else held.push(forward);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    seen: () => seen,
    held: () => held.length,
    open() {
      opened = true;
      for (const f of held.splice(0)) f();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('evolflow run: stopping', () => {
  it("one SIGINT mid-run: says so, writes partial outputs, exits 130 with how to resume; the same command then completes to the clean run's dataset", async () => {
    const sim = await startSimulator({ seed: 9 });
    sims.push(sim);
    const dir = tempDir('sigint');
    const seeds = seedFile(
      dir,
      Array.from({ length: 8 }, (_, i) => JSON.stringify({ instruction: `Explain idea number ${i + 1} of thermodynamics to a child.` })),
    );
    const config = configFile(dir, { run: { rounds: 2, stopGraceMs: 500 } });
    // 8 seeds x 3 calls make round 1 (24); the 25th on are round 2, so a record was kept before the gate closes.
    const gate = await gateTo(sim, 30);
    try {
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
        '--log-level',
        'silent',
        '--base-url',
        gate.url,
      ];
      const { child, code, stderr } = start(args);
      // Mid-run: some requests answered, others waiting at the gate.
      while (gate.held() === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGINT');
      expect(await code).toBe(130);
      expect(stderr()).toContain(
        'evolflow: SIGINT: stopping: no new work is taken; work in flight gets up to 0.5 s (run.stopGraceMs), then what is finished is written. Press Ctrl-C again to leave at once.\n',
      );
      expect(stderr()).toContain(
        `evolflow: stopped by SIGINT: the outputs hold what was finished so far (partial: true in run.json); outputs in ${out}.\nTo resume, run the same command again (answers already paid for come from the cache):\n  evolflow run --config ${config} --seeds ${seeds} --out ${out} --no-progress --log-level silent --base-url ${gate.url}\n`,
      );
      const partial = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
        partial: boolean;
        stoppedBy: string;
        outcome: { exitCode: number };
        totals: { seeds: number; kept: number; rejected: number };
        llm: { calls: number; promptTokens: number };
      };
      expect(partial).toMatchObject({ partial: true, stoppedBy: 'SIGINT', outcome: { exitCode: 130, status: 'interrupted' } });
      // What was written is consistent: every terminal record in lineage, nothing left in a lock.
      const lines = (f: string) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).length;
      expect(lines('lineage.jsonl')).toBe(lines('seeds.jsonl') + lines('kept.jsonl') + lines('rejected.jsonl'));
      expect(lines('kept.jsonl')).toBeGreaterThan(0);
      expect(lines('kept.jsonl')).toBeLessThan(16);
      expect(partial.totals.kept).toBe(lines('kept.jsonl'));
      expect(existsSync(join(out, '.evolflow.lock'))).toBe(false);
      // The report says it is partial, what stopped it and how to resume.
      expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
        'data-run-state="partial">partial: stopped by SIGINT before every record was finished; run the same command again to resume</p>',
      );

      gate.open();
      const resumed = await evolflow(args);
      expect(resumed.code).toBe(0);
      expect(resumed.stderr).toBe(
        `evolflow: resuming the run in ${out} stopped by SIGINT (attempt 2); answers already paid for come from the cache\n`,
      );
      const done = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
        partial: boolean;
        attempts: number;
        llm: { calls: number; cacheHits: number; promptTokens: number };
        llmAllAttempts: { calls: number; promptTokens: number; costUsd: number };
        resumed: { stoppedBy: string };
      };
      expect(done.partial).toBe(false);
      expect(done).toMatchObject({ attempts: 2, resumed: { stoppedBy: 'SIGINT' } });
      // Totals of both attempts: what the stopped one paid plus what the resume paid.
      expect(done.llmAllAttempts.calls).toBe(partial.llm.calls + done.llm.calls);
      expect(done.llmAllAttempts.promptTokens).toBe(partial.llm.promptTokens + done.llm.promptTokens);
      expect(done.llmAllAttempts.costUsd).toBe(0); // no prices configured: priced totals are llm-totals.test.ts's
      const report = readFileSync(join(out, 'report.html'), 'utf8');
      expect(report).toContain('data-run-state="complete">complete · attempt 2 (resumed)</p>');
      expect(report).toContain(`<b>${done.llmAllAttempts.calls.toLocaleString('en-US')}</b><span>LLM calls, all 2 attempts</span>`);
      expect(done.llm.cacheHits).toBeGreaterThanOrEqual(24);

      const cleanDir = tempDir('sigint-clean');
      const clean = await evolflow([
        'run',
        '--config',
        configFile(cleanDir, { run: { rounds: 2 } }),
        '--seeds',
        seeds,
        '--out',
        join(cleanDir, 'out'),
        '--no-progress',
        '--log-level',
        'silent',
        '--base-url',
        `${sim.url}`,
      ]);
      expect(clean.code).toBe(0);
      const dataset = readFileSync(join(out, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8');
      expect(dataset.split('\n').filter(Boolean).length).toBeGreaterThan(8);
      expect(dataset).toBe(readFileSync(join(cleanDir, 'out', 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8'));
    } finally {
      await gate.close();
    }
  });

  it('a second SIGTERM while stopping leaves at once with 143, releasing the lock', async () => {
    const sim = await startSimulator({ seed: 9 });
    sims.push(sim);
    const dir = tempDir('sigterm');
    // A grace period far longer than the test: only the second signal can end this run.
    const config = configFile(dir, { run: { stopGraceMs: 3_600_000 } });
    const gate = await gateTo(sim, 0);
    try {
      const out = join(dir, 'out');
      const { child, code, stderr } = start([
        'run',
        '--config',
        config,
        '--seeds',
        seedFile(dir),
        '--out',
        out,
        '--no-progress',
        '--log-level',
        'silent',
        '--base-url',
        gate.url,
      ]);
      while (gate.held() === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGTERM');
      while (!stderr().includes('stopping')) await new Promise((r) => setTimeout(r, 20));
      expect(stderr()).toContain(
        'evolflow: SIGTERM: stopping: no new work is taken; work in flight gets up to 3600 s (run.stopGraceMs), then what is finished is written. Send it again to leave at once.\n',
      );
      child.kill('SIGTERM');
      expect(await code).toBe(143);
      expect(stderr()).toContain(
        "evolflow: second SIGTERM: leaving now; this run's outputs may be missing or incomplete. To resume, run the same command again.\n",
      );
      expect(existsSync(join(out, '.evolflow.lock'))).toBe(false);
    } finally {
      await gate.close();
    }
  });
});
