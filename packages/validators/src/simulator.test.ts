// End to end with the simulator: complicate-input evolutions from the real strategy plugin, answered
// by the simulator with its `broken-format` fault on half of them, go through checkInstruction.
// Every broken block must be rejected with the reason the simulator labels it with; no valid one may be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStrategy, type Strategy, type StrategyContext } from '@evolflow/core';
import { faultReason, startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { selfInstructSeeds } from '@evolflow/simulator/testing';
import { createFormatChecker } from './checker.ts';

const FORMATS = [
  'json',
  'sql',
  'python',
  'javascript',
  'markdown-table',
  'typescript',
  'java',
  'c',
  'cpp',
  'go',
  'rust',
  'csv',
  'yaml',
  'xml',
];
const logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('simulated complicate-input evolutions', () => {
  let sim: RunningSimulator;
  let strategy: Strategy;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, faultRate: 0.5, faults: ['broken-format'] });
    strategy = await loadStrategy('complicate-input');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('rejects every broken block with its reason and accepts every valid one', async () => {
    const checker = await createFormatChecker();
    const records = selfInstructSeeds().slice(0, 140);
    const rows: { format: string; faulted: boolean; expected: string; got: string; detail: string }[] = [];
    for (const [i, parent] of records.entries()) {
      const ctx: StrategyContext = { random: () => (i * 0.6180339887) % 1, options: { formats: FORMATS }, logger };
      const prompt = strategy.prompt(parent, ctx);
      const res = await fetch(`${sim.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim', messages: prompt.messages }),
      });
      const body = (await res.json()) as { id: string; choices: { message: { content: string } }[] };
      const parsed = strategy.parse(body.choices[0]?.message.content ?? '', ctx);
      if ('error' in parsed) continue;
      // Content faults are logged under the completion id.
      const fault = sim.faults().find((f) => f.requestId === body.id);
      const report = await checker.checkInstruction(parsed.instruction, { expectFormat: prompt.format ?? 'json' });
      rows.push({
        format: prompt.format ?? '',
        faulted: fault !== undefined,
        expected: fault ? faultReason(fault) : 'ok',
        got: report.ok ? 'ok' : (report.reason ?? '?'),
        detail: report.detail ?? '',
      });
    }
    const wrong = rows.filter((r) => r.expected !== r.got);
    const byFormat = new Map<string, string>();
    for (const f of FORMATS) {
      const mine = rows.filter((r) => r.format === f);
      byFormat.set(f, `${mine.filter((r) => !r.faulted).length} valid, ${mine.filter((r) => r.faulted).length} broken`);
    }
    console.log(
      `simulator e2e: ${rows.length} evolutions, ${rows.filter((r) => r.faulted).length} broken; per format: ${JSON.stringify(Object.fromEntries(byFormat))}`,
    );
    if (wrong.length) console.log(wrong.map((w) => `${w.format}: expected ${w.expected}, got ${w.got} (${w.detail})`).join('\n'));
    expect(rows.length).toBeGreaterThan(120);
    expect(rows.filter((r) => r.faulted).length).toBeGreaterThan(30);
    expect(new Set(rows.map((r) => r.format)).size).toBe(FORMATS.length);
    expect(wrong).toEqual([]);
  });
});
