// The code and math packs with a real model in the loop: 3 math and 3 coding seeds, two rounds, only
// the packs' strategies, through every stage including verify, against SmolLM2-135M-Instruct served on
// 127.0.0.1 (one thread). Whatever the model says: the counts reconcile, every evolution came from a
// pack strategy, every answer that reached verify carries its verdict (kept ones ok, rejected ones
// with a verify reason code), and run.json counts exactly those verdicts.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, STRATEGY_PACKS } from '@evolflow/core';
import { startLocalLlm, type RunningChatServer } from '@evolflow/local-llm';
import { readJsonl, ROOT, runPipeline, tempDir, type RunResult } from './helpers/run.ts';
import { realModelPath } from './helpers/real-model.ts';

// Math: GSM8K-style problems in our own words (packages/verify/fixtures/math-corpus.jsonl). Code:
// self-instruct seed_task_139 (Apache-2.0, @evolflow/testdata), vicuna-80's binary search question
// (Apache-2.0, @evolflow/testdata), and one of our own.
const SEEDS = [
  'Tom reads 25 pages a day. How many days will it take him to finish a 375-page book?',
  'A shop sells notebooks for $4 each. If Omar buys 6 notebooks and pays with a $50 bill, how much change does he get?',
  'Solve for x: 2x - 7 = 11.',
  'Write a program to compute the sum of integers from k to n.',
  'Implement a binary search algorithm to find a specific element in a sorted array.',
  'Write a Python function that returns the nth Fibonacci number, with tests.',
];
const PACK_STRATEGIES: readonly string[] = [...STRATEGY_PACKS.code.strategies, ...STRATEGY_PACKS.math.strategies];

const ROUNDS = 2;
const dir = tempDir('real-packs');
let server: RunningChatServer;
let result: RunResult;

beforeAll(async () => {
  server = await startLocalLlm({ modelPath: realModelPath(), threads: 1 });
  const seeds = join(dir, 'seeds.jsonl');
  writeFileSync(seeds, `${SEEDS.map((instruction) => JSON.stringify({ instruction })).join('\n')}\n`);
  const config = loadConfig({
    env: {},
    cwd: ROOT,
    overrides: {
      run: { rounds: ROUNDS, outDir: join(dir, 'out'), seed: 42 },
      llm: {
        provider: 'openai',
        baseUrl: server.url,
        apiKey: 'none',
        concurrency: 4,
        maxRetries: 1,
        timeoutMs: 300_000,
        cache: { enabled: false },
        roles: {
          evolver: { model: 'smollm2', maxTokens: 192 },
          responder: { model: 'smollm2', maxTokens: 256 },
          judge: { model: 'smollm2' },
        },
      },
      stages: { concurrency: 4 },
      // One listed strategy is required; the packs add the other seven.
      strategies: { enabled: ['math-harder'], packs: ['code', 'math'], workedExample: true },
      mix: { parquet: false },
    },
  });
  expect(config.strategies.enabled).toHaveLength(8);
  result = await runPipeline(config, [seeds]);
  const rejected = readJsonl(join(result.outDir, 'rejected.jsonl')).filter((r) => r.round > 0);
  const reasons: Record<string, number> = {};
  for (const r of rejected)
    reasons[`${r.rejection?.stage ?? '?'}:${r.rejection?.reason ?? '?'}`] =
      (reasons[`${r.rejection?.stage ?? '?'}:${r.rejection?.reason ?? '?'}`] ?? 0) + 1;
  console.log(`real model with packs: rejected ${JSON.stringify(reasons)}`);
}, 1_200_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the code and math packs against a real model (SmolLM2-135M-Instruct, live)', () => {
  it('ends every lineage, with counts that reconcile at every stage', () => {
    const run = JSON.parse(readFileSync(join(result.outDir, 'run.json'), 'utf8')) as {
      stages: Record<string, { in: number; out: number; rejected: number; absorbed: number; deadLettered: number }>;
    };
    for (const [name, s] of Object.entries(run.stages)) expect(s.in, name).toBe(s.out + s.rejected + s.absorbed + s.deadLettered);
    const evolutions = [...readJsonl(join(result.outDir, 'kept.jsonl')), ...readJsonl(join(result.outDir, 'rejected.jsonl'))].filter(
      (r) => r.round > 0,
    );
    expect(evolutions).toHaveLength(SEEDS.length * ROUNDS);
    expect(result.summary.totals.deadLettered).toBe(0);
  });

  it("evolves with the packs' strategies only", () => {
    const evolutions = [...readJsonl(join(result.outDir, 'kept.jsonl')), ...readJsonl(join(result.outDir, 'rejected.jsonl'))].filter(
      (r) => r.round > 0,
    );
    for (const r of evolutions) expect(PACK_STRATEGIES, r.id).toContain(r.strategy);
  });

  it('gives every answer that reached verify its verdict, and counts them in run.json', () => {
    const kept = readJsonl(join(result.outDir, 'kept.jsonl')).filter((r) => r.round > 0);
    const rejected = readJsonl(join(result.outDir, 'rejected.jsonl')).filter((r) => r.round > 0);
    const verdicts: string[] = [];
    for (const r of kept) {
      const check = r.checks.find((c) => c.stage === 'verify');
      expect(check?.reason, r.id).toBe('ok');
      verdicts.push('ok');
    }
    for (const r of rejected) {
      const check = r.checks.find((c) => c.stage === 'verify');
      if (r.rejection?.stage === 'verify') {
        expect(['code-error', 'code-timeout', 'no-consensus', 'no-answer', 'llm-error'], r.id).toContain(r.rejection.reason);
        expect(r.rejection.detail, r.id).toMatch(/\S/);
      }
      if (check) verdicts.push(check.reason);
    }
    const run = JSON.parse(readFileSync(join(result.outDir, 'run.json'), 'utf8')) as {
      stages: Record<string, { in: number }>;
      verify?: Record<string, Record<string, number>>;
    };
    const reached = run.stages.verify?.in ?? 0;
    // Something reached verify, so the checks above ran on something.
    expect(reached).toBeGreaterThan(0);
    expect(verdicts).toHaveLength(reached);
    const counted = Object.values(run.verify ?? {})
      .flatMap((byReason) => Object.values(byReason))
      .reduce((a, b) => a + b, 0);
    expect(counted).toBe(reached);
    console.log(`real model with packs: verify verdicts ${JSON.stringify(run.verify)}; kept ${kept.length} of ${SEEDS.length}`);
  });
});
