// The code and math packs with a real model in the loop: 6 math and 6 coding seeds
// (packages/local-llm/fixtures/packs-seeds.jsonl), two rounds, only the packs' strategies, through
// every stage including verify, against SmolLM2-135M-Instruct: live (served on 127.0.0.1, one
// thread) and replayed from the committed recording of a live run (smollm2-packs-run.jsonl).
// Whatever the model says: the counts reconcile, every evolution came from a pack strategy, every
// answer that reached verify carries its verdict (kept ones ok, rejected ones with a verify reason
// code), run.json counts exactly those verdicts, and something reached verify.
// The model's wording depends on the CPU (llama.cpp's kernels differ by instruction set): with the
// first 6 of these seeds, one machine sent answers to verify and another sent none. The replay holds
// one live run's wording fixed, on any machine, and decides exactly as that run did.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRATEGY_PACKS } from '@evolflow/core';
import { startLocalLlm, startReplay, type RunningChatServer } from '@evolflow/local-llm';
import { readJsonl, tempDir, type RunResult } from './helpers/run.ts';
import {
  PACKS_OVERRIDES,
  PACKS_RECORDING,
  PACKS_SEEDS,
  readRecording,
  realModelPath,
  runRealModel,
  type RealRunFigures,
} from './helpers/real-model.ts';

const PACK_STRATEGIES: readonly string[] = [...STRATEGY_PACKS.code.strategies, ...STRATEGY_PACKS.math.strategies];
const SEEDS = readFileSync(PACKS_SEEDS, 'utf8').trim().split('\n').length;
const ROUNDS = 2;

/** The three checks of a finished packs run, the same for the live run and the replay. */
function packsChecks(run: () => RunResult): void {
  it('ends every lineage, with counts that reconcile at every stage', () => {
    const { outDir, summary } = run();
    const json = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as {
      stages: Record<string, { in: number; out: number; rejected: number; absorbed: number; deadLettered: number }>;
    };
    for (const [name, s] of Object.entries(json.stages)) expect(s.in, name).toBe(s.out + s.rejected + s.absorbed + s.deadLettered);
    const evolutions = [...readJsonl(join(outDir, 'kept.jsonl')), ...readJsonl(join(outDir, 'rejected.jsonl'))].filter((r) => r.round > 0);
    expect(evolutions).toHaveLength(SEEDS * ROUNDS);
    expect(summary.totals.deadLettered).toBe(0);
  });

  it("evolves with the packs' strategies only", () => {
    const { outDir } = run();
    const evolutions = [...readJsonl(join(outDir, 'kept.jsonl')), ...readJsonl(join(outDir, 'rejected.jsonl'))].filter((r) => r.round > 0);
    for (const r of evolutions) expect(PACK_STRATEGIES, r.id).toContain(r.strategy);
  });

  it('gives every answer that reached verify its verdict, and counts them in run.json', () => {
    const { outDir } = run();
    const kept = readJsonl(join(outDir, 'kept.jsonl')).filter((r) => r.round > 0);
    const rejected = readJsonl(join(outDir, 'rejected.jsonl')).filter((r) => r.round > 0);
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
    const json = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as {
      stages: Record<string, { in: number }>;
      verify?: Record<string, Record<string, number>>;
    };
    const reached = json.stages.verify?.in ?? 0;
    // Something reached verify, so the checks above ran on something.
    expect(reached).toBeGreaterThan(0);
    expect(verdicts).toHaveLength(reached);
    const counted = Object.values(json.verify ?? {})
      .flatMap((byReason) => Object.values(byReason))
      .reduce((a, b) => a + b, 0);
    expect(counted).toBe(reached);
    console.log(`real model with packs: verify verdicts ${JSON.stringify(json.verify)}; kept ${kept.length} of ${SEEDS * ROUNDS}`);
  });
}

describe('the code and math packs against a real model (SmolLM2-135M-Instruct, live)', () => {
  const dir = tempDir('real-packs');
  let server: RunningChatServer;
  let result: RunResult;

  beforeAll(async () => {
    server = await startLocalLlm({ modelPath: realModelPath(), threads: 1 });
    let figures: RealRunFigures;
    ({ result, figures } = await runRealModel({
      baseUrl: server.url,
      outDir: join(dir, 'out'),
      seeds: PACKS_SEEDS,
      overrides: PACKS_OVERRIDES,
    }));
    console.log(`real model with packs, live: ${JSON.stringify(figures)}`);
  }, 1_200_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  packsChecks(() => result);
});

describe('the code and math packs on a recorded real-model run (SmolLM2-135M-Instruct, replayed)', () => {
  const dir = tempDir('real-packs-replay');
  let server: Awaited<ReturnType<typeof startReplay>>;
  let result: RunResult;
  let figures: RealRunFigures;

  beforeAll(async () => {
    server = await startReplay({ file: PACKS_RECORDING });
    ({ result, figures } = await runRealModel({
      baseUrl: server.url,
      outDir: join(dir, 'out'),
      seeds: PACKS_SEEDS,
      overrides: PACKS_OVERRIDES,
    }));
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends exactly the requests of the recorded run', () => {
    expect(server.misses()).toEqual([]);
    expect(server.hits()).toBe(figures.calls);
    expect(server.hits()).toBe(readRecording(PACKS_RECORDING).length);
  });

  packsChecks(() => result);

  it('decides as the live run did', () => {
    expect(figures).toEqual(EXPECTED);
  });
});

/** What the live run that made the recording decided (`npx tsx bench/real-model.ts --record --packs` prints it). */
const EXPECTED: RealRunFigures = {
  evolutions: 24,
  kept: 0,
  rejected: { truncated: 7, 'not-a-task': 10, unparseable: 1, 'no-answer': 1, 'no-consensus': 3, 'meta-copy': 1, 'code-error': 1 },
  verdicts: {},
  calls: 47,
  promptTokens: 13354,
  completionTokens: 5268,
  tokensPerKept: null,
  dataset: 0,
};
