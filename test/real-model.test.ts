// A real model in the loop: the real seeds for 2 rounds through every stage against SmolLM2-135M-
// Instruct served on 127.0.0.1 by node-llama-cpp (one thread), recording every exchange. Whatever
// the model says, what must hold holds: the counts reconcile, every kept record passed every rule,
// no kept response was cut, every kept evolution carries a clear Not Equal verdict, and something
// was kept (so the invariants are never checked over an empty set). A second short case turns the
// code and math packs on over six real coding and math seeds for one round: the verify stage runs
// the model's code in the sandbox and cross-checks its math answers with samples from it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE, type EvolRecord } from '@evolflow/core';
import { startLocalLlm, type RunningChatServer } from '@evolflow/local-llm';
import { readSeedTasks } from '@evolflow/testdata';
import { readJsonl, tempDir } from './helpers/run.ts';
import { readRecording, realModelPath, runRealModel, type RealRunFigures } from './helpers/real-model.ts';
import { checkRealRun } from './helpers/real-model-checks.ts';
import type { RunResult } from './helpers/run.ts';

const dir = tempDir('real-model');
const recording = join(dir, 'exchanges.jsonl');
let server: RunningChatServer;
let result: RunResult;
let figures: RealRunFigures;

beforeAll(async () => {
  server = await startLocalLlm({ modelPath: realModelPath(), threads: 1, record: recording });
  ({ result, figures } = await runRealModel({ baseUrl: server.url, outDir: join(dir, 'out') }));
  // The figures the closing note quotes (kept, rejected by reason, verdicts, tokens per kept record).
  console.log(`real model: ${JSON.stringify(figures)}`);
}, 1_200_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the pipeline against a real model (SmolLM2-135M-Instruct, live)', () => {
  it('answers every request it was sent and records each exchange', () => {
    const exchanges = readRecording(recording);
    expect(server.stats().failures).toBe(0);
    expect(exchanges).toHaveLength(server.stats().completions);
    expect(exchanges.length).toBe(figures.calls);
  });

  it('holds what must hold whatever the model says', () => {
    checkRealRun(result, readRecording(recording));
  });
});

/** Real coding and math seeds: self-instruct tasks (Apache-2.0, @evolflow/testdata) that ask for code or a computed answer. */
const PACK_SEEDS = [
  'python_sorting',
  'program_for_summation',
  'javascript_date_and_time',
  'solving_equation',
  'solve_equation_system',
  'solving_math_problem',
];
const VERIFY_REASONS = new Set(['code-error', 'code-timeout', 'no-consensus', 'no-answer', 'llm-error']);

describe('the code and math packs against the real model (1 round, 6 coding and math seeds, live)', () => {
  let packs: RunResult;
  let packFigures: RealRunFigures;
  let records: EvolRecord[];

  beforeAll(async () => {
    const seeds = join(dir, 'pack-seeds.jsonl');
    const tasks = readSeedTasks().filter((t) => PACK_SEEDS.includes(t.name));
    expect(tasks).toHaveLength(PACK_SEEDS.length);
    writeFileSync(
      seeds,
      `${tasks.map((t) => JSON.stringify({ instruction: t.instruction, input: t.instances[0]?.input ?? '', output: t.instances[0]?.output ?? '' })).join('\n')}\n`,
    );
    ({ result: packs, figures: packFigures } = await runRealModel({
      baseUrl: server.url,
      outDir: join(dir, 'packs-out'),
      rounds: 1,
      seeds,
      overrides: { strategies: { packs: ['code', 'math'], enabled: ['code-constraints'] } },
    }));
    records = [
      ...readJsonl(join(packs.outDir, 'kept.jsonl')),
      ...readJsonl(join(packs.outDir, 'rejected.jsonl')).filter((r) => r.round > 0),
    ];
    // What the real model's code and math answers scored in the verify stage (the closing note quotes it).
    const checks = records.flatMap((r) =>
      r.checks.filter((c) => c.stage === 'verify').map((c) => `${r.id} ${c.reason} ${c.verified ?? ''}: ${c.detail ?? ''}`),
    );
    console.log(`real model, packs: ${JSON.stringify({ verify: packs.summary.verify, checks, ...packFigures })}`);
  }, 1_800_000);

  it('reconciles: every evolution ends once, every stage in = out + rejected, verify counted in run.json', () => {
    expect(server.stats().failures).toBe(0);
    expect(packs.summary.totals.evolutions).toBe(PACK_SEEDS.length);
    expect(new Set(records.map((r) => r.id)).size).toBe(PACK_SEEDS.length);
    for (const spec of PIPELINE) {
      const s = packs.summary.stages[spec.name];
      expect(s && s.in, spec.name).toBe(s && s.out + s.rejected + s.absorbed + s.deadLettered);
    }
    const verify = packs.summary.stages.verify;
    const verdicts = Object.values(packs.summary.verify ?? {}).flatMap((byReason) => Object.entries(byReason));
    expect(verdicts.reduce((n, [, k]) => n + k, 0)).toBe(verify?.in);
    expect(verdicts.filter(([r]) => r !== 'ok').reduce((n, [, k]) => n + k, 0)).toBe(verify?.rejected);
  });

  it('says on every record that reached verify what was checked and how; rejects carry a verify reason and the first error line', () => {
    const order = PIPELINE.map((s) => s.name as string);
    for (const r of records) {
      if (r.rejection && order.indexOf(r.rejection.stage) < order.indexOf('verify')) continue;
      const check = r.checks.find((c) => c.stage === 'verify');
      expect(check?.verified, r.id).toMatch(/^(python|javascript|python\+javascript|math|none)$/);
      expect(check?.detail, r.id).toBeTruthy();
      if (r.rejection?.stage === 'verify') {
        expect(VERIFY_REASONS.has(r.rejection.reason), `${r.id}: ${r.rejection.reason}`).toBe(true);
        expect(r.rejection.detail, r.id).toMatch(/^(python|javascript|math|LLM)/);
      }
    }
  });
});
