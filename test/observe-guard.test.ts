// The failure-rate guard in a real run: the simulator makes one strategy fail 80% of the time; the
// warning fires and names it, and with adaptive selection on, its share of evolutions drops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { evolflow, parseMetrics, SELF_INSTRUCT, sum, tempDir, writeConfig } from './observe-helpers.ts';

interface Outcome {
  share: number;
  /** Share in rounds 2 and later, once the guard has seen round 1's outcomes. */
  lateShare: number;
  evolutions: number;
  warnings: { strategy?: string; state?: string; msg: string }[];
  weight: number;
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 7, strategyFaultRates: { mutation: 0.8 } });
});
afterAll(async () => {
  await sim?.close();
});

async function runWith(adaptive: boolean): Promise<Outcome> {
  const dir = tempDir(`guard-${adaptive ? 'on' : 'off'}`);
  const out = join(dir, 'out');
  const config = writeConfig(dir, {
    run: { rounds: 3 },
    stages: { concurrency: 8 },
    observe: { adaptive, failureWindow: 20, failureBand: { low: 0, high: 0.5 } },
  });
  const run = evolflow([
    'run',
    '--config',
    config,
    '--seeds',
    SELF_INSTRUCT,
    '--out',
    out,
    '--llm',
    'sim',
    '--base-url',
    sim.url,
    '--log-level',
    'warn',
  ]);
  expect(await run.code, run.stderr()).toBe(0);
  const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as {
    strategies: Record<string, { kept: number; rejected: Record<string, number> }>;
  };
  const count = (s: { kept: number; rejected: Record<string, number> }) => s.kept + Object.values(s.rejected).reduce((a, b) => a + b, 0);
  const evolutions = Object.values(runJson.strategies).reduce((a, s) => a + count(s), 0);
  const mutation = runJson.strategies.mutation;
  const warnings = run
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string; strategy?: string; state?: string })
    .filter((l) => l.level === 'warn' && l.state !== undefined);
  const late = ['kept.jsonl', 'rejected.jsonl']
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as { round: number; strategy?: string })
    .filter((r) => r.round >= 2 && r.strategy);
  const lateShare = late.filter((r) => r.strategy === 'mutation').length / late.length;
  const weight = sum(parseMetrics(readFileSync(join(out, 'metrics.prom'), 'utf8')), 'evolflow_strategy_weight', { strategy: 'mutation' });
  return { share: mutation ? count(mutation) / evolutions : 0, lateShare, evolutions, warnings, weight };
}

describe('failure-rate guard in evolflow run', () => {
  it('warns about the failing strategy by name, and adaptive selection picks it less', async () => {
    const off = await runWith(false);
    const on = await runWith(true);
    for (const r of [off, on]) {
      const high = r.warnings.filter((w) => w.state === 'too-high');
      expect(high.map((w) => w.strategy)).toEqual(['mutation']);
      expect(high[0]?.msg).toMatch(/^strategy mutation: \d+ of its last 20 evolutions failed \(\d+\.\d+%\), above the band's 50%/);
    }
    expect(off.weight).toBe(1);
    expect(on.weight).toBeLessThan(1);
    // Uniform selection gives mutation about 1/6 of the evolutions; adaptive selection clearly less.
    expect(off.share).toBeGreaterThan(0.12);
    expect(on.share).toBeLessThan(off.share * 0.8);
    expect(off.lateShare).toBeGreaterThan(0.12);
    expect(on.lateShare).toBeLessThan(off.lateShare * 0.6);
    console.log(
      `mutation share of evolutions: uniform ${(off.share * 100).toFixed(1)}% of ${off.evolutions} (rounds 2+: ${(off.lateShare * 100).toFixed(1)}%), adaptive ${(on.share * 100).toFixed(1)}% of ${on.evolutions} (rounds 2+: ${(on.lateShare * 100).toFixed(1)}%); final weight ${on.weight.toFixed(2)}`,
    );
  });
});
