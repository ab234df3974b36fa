import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@evolflow/core';
import { describe, expect, it } from 'vitest';
import { countTokens, estimateRun, formatEstimate } from './estimate.ts';

const dir = mkdtempSync(join(tmpdir(), 'evolflow-estimate-'));
const seeds = (name: string, lines: string[]) => {
  const file = join(dir, name);
  writeFileSync(file, `${lines.map((instruction) => JSON.stringify({ instruction, output: 'An answer.' })).join('\n')}\n`);
  return file;
};
const config = (overrides: Record<string, unknown>) => loadConfig({ env: {}, cwd: dir, overrides });

describe('countTokens', () => {
  it('counts 4 characters a token, and one a CJK character', () => {
    expect([countTokens(''), countTokens('abcd'), countTokens('abcde'), countTokens('你好'), countTokens('ab你好')]).toEqual([
      0, 1, 2, 2, 3,
    ]);
  });
});

describe('estimateRun', () => {
  const plain = seeds('plain.jsonl', ['Name three rivers in Europe.', 'Write a haiku about rain.', '']);

  it('counts one evolver, responder and judge call per seed and round, and no call for a rejected seed line', async () => {
    const e = await estimateRun({ config: config({ run: { rounds: 2 } }), seedFiles: [plain] });
    expect({ seeds: e.seeds, rejects: e.seedRejects, calls: e.calls }).toEqual({ seeds: 2, rejects: 1, calls: 12 });
    expect([e.byRole.evolver.calls, e.byRole.responder.calls, e.byRole.judge.calls]).toEqual([4, 4, 4]);
    // The worst case: every answer at its role's maxTokens (defaults 2048, 1024, 16).
    expect([e.byRole.evolver.completionTokensMax, e.byRole.responder.completionTokensMax, e.byRole.judge.completionTokensMax]).toEqual([
      4 * 2048,
      4 * 1024,
      4 * 16,
    ]);
    expect(e.byRole.responder.completionTokens).toBe(4 * 280);
    expect({ priced: e.priced, cost: e.cost }).toEqual({ priced: false, cost: 0 });
  });

  it("adds the difficulty judge and the verify stage's math samples when they are on", async () => {
    const math = seeds('math.jsonl', ['Calculate 17% of 240 and round to the nearest whole number.']);
    const on = await estimateRun({ config: config({ run: { rounds: 3 }, eliminate: { difficultyJudge: true } }), seedFiles: [math] });
    expect([on.byRole.responder.calls, on.byRole.judge.calls]).toEqual([3 * (1 + 3), 3 * 2]);
    const off = await estimateRun({ config: config({ run: { rounds: 3 }, verify: { math: { enabled: false } } }), seedFiles: [math] });
    expect([off.byRole.responder.calls, off.byRole.judge.calls]).toEqual([3, 3]);
  });

  it('prices each role at its own rates, at typical lengths and at most', async () => {
    const roles = {
      evolver: { pricePerMTokIn: 1, pricePerMTokOut: 2 },
      responder: { pricePerMTokIn: 3, pricePerMTokOut: 4 },
      judge: { pricePerMTokIn: 5, pricePerMTokOut: 6 },
    };
    const e = await estimateRun({ config: config({ run: { rounds: 1 }, llm: { roles } }), seedFiles: [plain] });
    const want = (Object.keys(roles) as (keyof typeof roles)[]).reduce(
      (s, r) => s + (e.byRole[r].promptTokens * roles[r].pricePerMTokIn + e.byRole[r].completionTokens * roles[r].pricePerMTokOut) / 1e6,
      0,
    );
    expect(e.cost).toBeCloseTo(want, 12);
    expect(e.costMax).toBeGreaterThan(e.cost);
    expect(formatEstimate(e)).toContain('Estimate: 2 seeds (+1 rejected lines) x 1 rounds');
  });
});
