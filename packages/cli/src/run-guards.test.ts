import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvolflowError } from '@evolflow/core';
import { judgeRun, stoppedOutcome } from './outcome.ts';
import { checkRunPaths } from './run-paths.ts';
import { LOCK_FILE, lockOutDir } from './out-lock.ts';

const temp = () => mkdtempSync(join(tmpdir(), 'evolflow-guards-'));
const llm = (calls: number, errors: number, { cacheHits = 0, retries = 0 } = {}) => ({ calls, errors, cacheHits, retries });
const facts = { seeds: 10, seedRejects: 0, seedFiles: ['s.jsonl'], maxFailureRate: 0.5 };

async function failure(p: Promise<unknown>): Promise<EvolflowError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EvolflowError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('judgeRun', () => {
  it('is ok at the limit and fails (5) just above it; retries are not requests, cache hits are answered ones', () => {
    expect(judgeRun({ ...facts, llm: llm(20, 10) }).exitCode).toBe(0);
    expect(judgeRun({ ...facts, llm: llm(20, 11) })).toMatchObject({
      exitCode: 5,
      status: 'llm-failure-rate',
      message: '11 of 20 LLM requests failed (55.0%, above run.maxFailureRate 50.0%)',
    });
    // 30 attempts, 10 of them retries: 20 requests, 11 failed.
    expect(judgeRun({ ...facts, llm: llm(30, 11, { retries: 10 }) }).exitCode).toBe(5);
    // A resumed run: 11 failures, but 30 answers came from the cache.
    expect(judgeRun({ ...facts, llm: llm(20, 11, { cacheHits: 30 }) }).exitCode).toBe(0);
    expect(judgeRun({ ...facts, maxFailureRate: 1, llm: llm(20, 19) }).exitCode).toBe(0);
  });

  it('fails with 4 when every request failed, quoting one, and with 3 when there were no seeds', () => {
    expect(judgeRun({ ...facts, maxFailureRate: 1, llm: llm(6, 6), sampleError: 'LLM evolver call failed' })).toEqual({
      exitCode: 4,
      status: 'llm-all-failed',
      message: 'every LLM request failed (6 of 6): the dataset holds no evolution; first failure: LLM evolver call failed',
    });
    expect(judgeRun({ ...facts, seeds: 0, seedRejects: 3, llm: llm(0, 0) }).message).toBe(
      'no seeds to evolve in s.jsonl: every one of its 3 lines was rejected (see rejected.jsonl)',
    );
    expect(judgeRun({ ...facts, llm: llm(0, 0) }).exitCode).toBe(0);
  });

  it('maps SIGINT to 130 and SIGTERM to 143', () => {
    expect(stoppedOutcome('SIGINT', true)).toEqual({
      exitCode: 130,
      status: 'interrupted',
      message: 'stopped by SIGINT: the outputs hold what was finished so far (partial: true in run.json)',
    });
    expect(stoppedOutcome('SIGTERM', false).exitCode).toBe(143);
  });
});

describe('checkRunPaths', () => {
  it('refuses outputs over any input: a seed file named like an output, one under shards/, one reached through a symlink, the config file', async () => {
    const dir = temp();
    const out = join(dir, 'out');
    mkdirSync(join(out, 'shards'), { recursive: true });
    writeFileSync(join(out, 'kept.jsonl'), '{"instruction":"a"}\n');
    writeFileSync(join(out, 'shards', 'mine.jsonl'), '{"instruction":"a"}\n');
    writeFileSync(join(out, 'notes.jsonl'), '{"instruction":"a"}\n');
    symlinkSync(join(out, 'kept.jsonl'), join(dir, 'link.jsonl'));
    writeFileSync(join(out, 'run.json'), '{}');
    const refused = async (seedFiles: string[], otherInputs: string[] = []) =>
      (await failure(checkRunPaths({ seedFiles, outDir: out, otherInputs }))).message;
    expect(await refused([join(out, 'kept.jsonl')])).toBe(
      `--out ${out} would overwrite the input ${join(out, 'kept.jsonl')} (the run writes kept.jsonl into ${out}); choose another --out`,
    );
    expect(await refused([join(out, 'shards', 'mine.jsonl')])).toContain('(the run writes shards/ into');
    expect(await refused([join(dir, 'link.jsonl')])).toContain(
      `the input ${join(dir, 'link.jsonl')} (the run writes kept.jsonl into ${out})`,
    );
    expect(await refused([join(out, 'notes.jsonl')], [join(out, 'run.json')])).toContain(`the input ${join(out, 'run.json')}`);
    // A file of its own in the out folder is no output: allowed.
    await checkRunPaths({ seedFiles: [join(out, 'notes.jsonl')], outDir: out });
  });

  it('creates a missing --out and gives exit codes 2 (folder, missing) and 3 (empty) in the error', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'empty.jsonl'), '');
    await checkRunPaths({ seedFiles: [], outDir: join(dir, 'a', 'b') });
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
    expect((await failure(checkRunPaths({ seedFiles: [dir], outDir: join(dir, 'o') }))).details.exitCode).toBe(2);
    expect((await failure(checkRunPaths({ seedFiles: [join(dir, 'nope')], outDir: join(dir, 'o') }))).details.exitCode).toBe(2);
    expect((await failure(checkRunPaths({ seedFiles: [join(dir, 'empty.jsonl')], outDir: join(dir, 'o') }))).details.exitCode).toBe(3);
  });
});

describe('lockOutDir', () => {
  it('takes a free folder, refuses a live owner, releases only its own lock', () => {
    const out = temp();
    const lock = lockOutDir(out, 'evolflow run A');
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'evolflow run A',
    });
    const second = (() => {
      try {
        lockOutDir(out, 'evolflow run B');
      } catch (err) {
        return err as EvolflowError;
      }
      return undefined;
    })();
    expect(second?.details).toMatchObject({ exitCode: 6, pid: process.pid });
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    // Someone else's lock is not removed by a release.
    const mine = lockOutDir(out);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '', command: '' }));
    mine.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(true);
  });

  it('writes the command line into the lock with URL credentials redacted', () => {
    const out = temp();
    const lock = lockOutDir(out, 'evolflow run --base-url http://me:sk-lock-secret-1234@127.0.0.1:9/v1');
    const text = readFileSync(join(out, LOCK_FILE), 'utf8');
    expect(text).not.toContain('sk-lock-secret-1234');
    expect(JSON.parse(text).command).toBe('evolflow run --base-url http://[redacted]@127.0.0.1:9/v1');
    lock.release();
  });

  it('takes over a lock whose pid is gone on this host, and an unreadable one only once it is old', () => {
    const out = temp();
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'then', command: 'x' }));
    const lock = lockOutDir(out);
    expect(lock.tookOverFrom).toMatchObject({ pid: 2 ** 22 + 12345 });
    lock.release();
    // A lock another host holds is never judged from here.
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: 'other-host', startedAt: 'then', command: 'x' }));
    expect(() => lockOutDir(out)).toThrow(/in use by another evolflow run \(pid 4206649 on other-host/);
    // Half-written (empty) and young: maybe a run writing it right now.
    writeFileSync(join(out, LOCK_FILE), '');
    expect(() => lockOutDir(out)).toThrow(/in use by another evolflow run/);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(join(out, LOCK_FILE), old, old);
    lockOutDir(out).release();
    expect(existsSync(join(out, `${LOCK_FILE}.takeover`))).toBe(false);
  });
});
