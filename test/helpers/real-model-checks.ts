// What must hold after any run against a real model, whatever it said: shared by the live test and
// the replay test, so the fast test checks exactly what the slow one does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { taskText, type EvolRecord } from '@evolflow/core';
import type { RecordedExchange } from '@evolflow/local-llm';
import { cheapRules, lostInput } from '@evolflow/stage-validate';
import { responseRules } from '@evolflow/stage-eliminate';
import { readJsonl, type RunResult } from './run.ts';

/** Asserts the invariants of a finished real-model run; returns the kept evolutions. */
export function checkRealRun(result: RunResult, exchanges: readonly RecordedExchange[]): EvolRecord[] {
  const out = result.outDir;
  const config = result.summary.config;
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
    stages: Record<string, { in: number; out: number; rejected: number; absorbed: number; deadLettered: number }>;
  };
  for (const [name, s] of Object.entries(run.stages)) expect(s.in, name).toBe(s.out + s.rejected + s.absorbed + s.deadLettered);

  const seeds = readJsonl(join(out, 'seeds.jsonl'));
  const kept = readJsonl(join(out, 'kept.jsonl')).filter((r) => r.round > 0);
  const rejected = readJsonl(join(out, 'rejected.jsonl')).filter((r) => r.round > 0);
  const rounds = config.run.rounds;
  // Every lineage ends: one record per seed and round, kept or rejected with a reason code.
  expect(kept.length + rejected.length).toBe(seeds.length * rounds);
  expect(new Set([...kept, ...rejected].map((r) => r.id)).size).toBe(seeds.length * rounds);
  expect(result.summary.totals.deadLettered).toBe(0);
  for (const r of rejected) expect(r.rejection?.reason, r.id).toMatch(/^[a-z][a-z-]+$/);

  // Never an empty set: the invariants below must have been checked on something.
  expect(kept.length).toBeGreaterThan(0);

  const finish = new Map(exchanges.map((e) => [e.answer.text, e.answer.finish_reason]));
  for (const r of kept) {
    const byStage = new Map(r.checks.map((c) => [c.stage as string, c]));
    for (const stage of ['evolve', 'validate', 'respond', 'verify', 'eliminate', 'dedup']) {
      const check = byStage.get(stage);
      if (stage === 'evolve' && !check) continue; // evolve marks only what it changed
      expect(check?.reason, `${r.id} ${stage}`).toBe('ok');
    }
    expect(
      r.checks.every((c) => c.reason === 'ok'),
      r.id,
    ).toBe(true);
    // The equality judge gave a clear Not Equal, and its raw answer is kept.
    const judged = byStage.get('eliminate');
    expect(judged?.verdict, r.id).toBe('not-equal');
    expect(typeof judged?.answer, r.id).toBe('string');
    // Every rule still passes when applied again to what was kept.
    const parent = r.parent as NonNullable<EvolRecord['parent']>;
    expect(cheapRules(r.instruction, taskText(parent), config.validate), r.id).toBeUndefined();
    expect(lostInput(r, parent, r.strategy === 'mutation' ? 'breadth' : 'depth'), r.id).toBeUndefined();
    expect(responseRules(r.response ?? '', config.eliminate), r.id).toBeUndefined();
    // The response is the model's whole answer, never one cut at max_tokens.
    expect(finish.get(r.response ?? ''), `${r.id}: response not found among the recorded answers`).toBe('stop');
  }
  return kept;
}
