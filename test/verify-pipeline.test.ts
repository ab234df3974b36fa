// The verify stage inside the whole in-memory pipeline: coding and math seeds evolved with the code
// and math packs against the simulator, which breaks a share of its answers on purpose (labelled).
// Every broken answer that reaches verify is rejected with the fault's reason, no unbroken code
// answer is rejected by the sandbox, the counts reconcile exactly, and run.json, the metrics and the
// report count the verdicts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE, seededRandom, type EvolRecord, type TopicName } from '@evolflow/core';
import { codingSeeds, faultReason, mathSeeds, startSimulator, type FaultRecord, type RunningSimulator } from '@evolflow/simulator';
import { createObserver, readRunDir, renderReport, type Observer } from '@evolflow/observe';
import { InMemoryTransport } from '@evolflow/transport';
import { jsonLogger, setupLlm } from '@evolflow/runtime';
import { startPipeline, type RunSummary } from '@evolflow/cli';
import { readJsonl, ROOT, simConfig, tempDir } from './helpers/run.ts';

const CODING = 40;
const MATH = 30;
const ORDER = PIPELINE.map((s) => s.name as string);
const ANSWER_FAULTS = new Set(['code-syntax', 'code-exception', 'code-failing-test', 'code-endless-loop', 'math-wrong']);

let sim: RunningSimulator;
let summary: RunSummary;
let faults: FaultRecord[];
let kept: EvolRecord[];
let rejected: EvolRecord[];
let metrics: string;
let outDir: string;

beforeAll(async () => {
  const dir = tempDir('verify-e2e');
  const r = seededRandom(5);
  const seeds = join(dir, 'seeds.jsonl');
  writeFileSync(
    seeds,
    `${[...codingSeeds(CODING, r), ...mathSeeds(MATH, r)].map((instruction) => JSON.stringify({ instruction })).join('\n')}\n`,
  );
  sim = await startSimulator({ seed: 4, answerFaultRate: 0.3 });
  outDir = join(dir, 'out');
  mkdirSync(outDir);
  const config = simConfig({
    run: { rounds: 1, outDir, seed: 3 },
    llm: { baseUrl: sim.url, cache: { enabled: false, dir: join(dir, 'cache') } },
    strategies: { packs: ['code', 'math'], enabled: ['code-constraints'] },
    verify: { code: { timeoutMs: 4000, cpuSeconds: 1 } },
  });
  const llm = await setupLlm(config);
  const observer: Observer = await createObserver({
    config,
    logger: jsonLogger('silent'),
    strategies: config.strategies.enabled,
    processMetrics: false,
  });
  const transport = new InMemoryTransport();
  const pipeline = await startPipeline({
    config,
    seedFiles: [seeds],
    transport,
    llm: llm.llm,
    logger: jsonLogger('error'),
    cwd: ROOT,
    onRecord: (e) => observer.onRecord(e),
  });
  summary = await pipeline.done;
  metrics = await observer.metricsText();
  await observer.close();
  await transport.close();
  await llm.close();
  faults = sim.faults();
  // VERIFY_E2E_PRINT=FILE writes the run's verdicts, per-stage reasons and injected faults there (for reading the figures).
  if (process.env.VERIFY_E2E_PRINT)
    writeFileSync(
      process.env.VERIFY_E2E_PRINT,
      JSON.stringify({
        verify: summary.verify,
        stages: Object.fromEntries(
          Object.entries(summary.stages).map(([k, v]) => [k, { in: v.in, rejected: v.rejected, reasons: v.reasons }]),
        ),
        faults: faults.map((f) => f.kind),
      }),
    );
  kept = readJsonl(join(outDir, 'kept.jsonl'));
  rejected = readJsonl(join(outDir, 'rejected.jsonl'));
}, 600_000);

afterAll(async () => {
  await sim?.close();
});

describe('the verify stage in the pipeline: coding and math seeds, broken answers injected', () => {
  it('reconciles exactly: every stage in = out + rejected, verify between respond and eliminate, run.json verdicts add up', () => {
    const st = summary.stages;
    for (const name of ORDER) {
      const s = st[name] as (typeof st)[string];
      expect(s.in, name).toBe(s.out + s.rejected + s.absorbed + s.deadLettered);
      expect(s.inFlight, name).toBe(0);
    }
    const e = (stage: string, topic: TopicName) => st[stage]?.emitted[topic] ?? 0;
    expect(st.verify?.in).toBe(e('respond', 'responded'));
    expect(st.eliminate?.in).toBe(e('verify', 'verified'));
    expect(st.verify?.out).toBe(e('verify', 'verified'));
    expect(summary.totals.evolutions).toBe(CODING + MATH);
    expect(summary.totals.deadLettered).toBe(0);
    const verdicts = Object.values(summary.verify ?? {}).flatMap((byReason) => Object.entries(byReason));
    expect(verdicts.reduce((n, [, k]) => n + k, 0)).toBe(st.verify?.in);
    expect(verdicts.filter(([reason]) => reason !== 'ok').reduce((n, [, k]) => n + k, 0)).toBe(st.verify?.rejected);
    // Code and math were both really checked.
    expect(
      Object.values(summary.verify?.python ?? {}).reduce((a, b) => a + b, 0) +
        Object.values(summary.verify?.javascript ?? {}).reduce((a, b) => a + b, 0),
    ).toBeGreaterThan(10);
    expect(Object.values(summary.verify?.math ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    // run.json on disk says the same.
    const run = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as RunSummary;
    expect(run.verify).toEqual(summary.verify);
  });

  it('rejects every broken answer that reached verify with its reason (recall 1.0)', () => {
    const byCall = new Map<string, EvolRecord>();
    for (const r of [...kept, ...rejected]) for (const c of r.calls ?? []) byCall.set(c, r);
    const misses: string[] = [];
    let checked = 0;
    const kinds = new Set<string>();
    for (const f of faults.filter((x) => ANSWER_FAULTS.has(x.kind))) {
      const rec = byCall.get(f.requestId);
      if (!rec) continue; // a math sample or an asked-for test: not the record's response
      if (rec.rejection && ORDER.indexOf(rec.rejection.stage) < ORDER.indexOf('verify')) continue;
      checked++;
      kinds.add(f.kind);
      if (rec.rejection?.reason !== faultReason(f))
        misses.push(
          `${f.kind} on ${rec.id}: ${rec.rejection ? `${rec.rejection.stage}/${rec.rejection.reason} ${rec.rejection.detail ?? ''}` : 'kept'}`,
        );
    }
    expect(misses).toEqual([]);
    expect(checked).toBeGreaterThan(8);
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['code-failing-test', 'math-wrong']));
  });

  it('never rejects an unbroken code answer in the sandbox, and records what was checked on every record', () => {
    const faulty = new Set(faults.map((f) => f.requestId));
    const all = [...kept, ...rejected.filter((r) => r.round > 0)];
    const clean = all.filter((r) => !(r.calls ?? []).some((c) => faulty.has(c)));
    const wrongly = clean.filter(
      (r) => r.rejection?.stage === 'verify' && (r.rejection.reason === 'code-error' || r.rejection.reason === 'code-timeout'),
    );
    expect(wrongly.map((r) => `${r.id}: ${r.rejection?.detail ?? ''}`)).toEqual([]);
    for (const r of all) {
      if (r.rejection && ORDER.indexOf(r.rejection.stage) < ORDER.indexOf('verify')) continue;
      const check = r.checks.find((c) => c.stage === 'verify');
      expect(check?.verified, r.id).toMatch(/^(python|javascript|python\+javascript|math|none)$/);
      expect(check?.detail, r.id).toBeTruthy();
    }
  });

  it('counts the verdicts in the report as in run.json', async () => {
    const html = renderReport(await readRunDir(outDir));
    const table = /<h2>Verified answers<\/h2><table class="verify">(.*?)<\/table>/s.exec(html)?.[1] ?? '';
    for (const [checked, byReason] of Object.entries(summary.verify ?? {})) {
      const total = Object.values(byReason).reduce((a, b) => a + b, 0);
      expect(table).toContain(`<tr><td>${checked}</td><td class="num">${total}</td><td class="num">${byReason.ok ?? 0}</td>`);
    }
    expect(table).toMatch(/code-error \d+/);
  });

  it('counts the verdicts in the metrics as in run.json', () => {
    for (const [checked, byReason] of Object.entries(summary.verify ?? {})) {
      for (const [reason, n] of Object.entries(byReason)) {
        expect(metrics).toContain(`evolflow_verify_checks_total{checked="${checked}",reason="${reason}"} ${n}`);
      }
    }
    expect(metrics).toContain(`evolflow_records_rejected_total{stage="verify",reason="code-error"`);
  });
});
