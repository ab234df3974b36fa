import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvolRecord } from '@evolflow/core';
import { distribution, histogramQuantile, latencyFromMetrics, passedEveryRule, readRunDir } from './report-data.ts';
import { renderReport } from './report-html.ts';

const rec = (id: string, round: number, over: Partial<EvolRecord> = {}): EvolRecord => {
  const seedId = id.split('.')[0] as string;
  return {
    id,
    seedId,
    parentId: round ? seedId : null,
    round,
    instruction: `word `.repeat(5 + round * 5).trim(),
    lineage: [],
    checks: [],
    usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
    ...over,
  };
};
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evolflow-report-data-'));
  const s1r1 = rec('s1.r1', 1, {
    strategy: 'deepening',
    lineage: [{ id: 's1.r1', round: 1, strategy: 'deepening' }],
    scores: { difficulty: 4 },
    dedup: { nearestId: null, similarity: 0.42 },
  });
  const s1r2 = rec('s1.r2', 2, {
    strategy: 'mutation',
    lineage: [...s1r1.lineage, { id: 's1.r2', round: 2, strategy: 'mutation' }],
    scores: { difficulty: 6 },
    response: 'final answer',
    dedup: { nearestId: 's2', similarity: 0.61 },
  });
  const s2r1 = rec('s2.r1', 1, {
    strategy: 'mutation',
    lineage: [{ id: 's2.r1', round: 1, strategy: 'mutation' }],
    scores: { difficulty: 5 },
  });
  const rej1 = rec('s2.r2', 2, {
    strategy: 'mutation',
    lineage: [...s2r1.lineage, { id: 's2.r2', round: 2, strategy: 'mutation' }],
    rejection: { stage: 'dedup', reason: 'duplicate', detail: 'copy of s1.r2' },
    dedup: { nearestId: 's1.r2', similarity: 0.97 },
  });
  const rej2 = rec('s3.r1', 1, {
    strategy: 'deepening',
    lineage: [{ id: 's3.r1', round: 1, strategy: 'deepening' }],
    rejection: { stage: 'eliminate', reason: 'sorry' },
  });
  writeFileSync(join(dir, 'seeds.jsonl'), jsonl([rec('s1', 0), rec('s2', 0), rec('s3', 0)]));
  writeFileSync(join(dir, 'kept.jsonl'), `${jsonl([s1r1, s1r2, s2r1])}{not json\n`);
  writeFileSync(join(dir, 'rejected.jsonl'), jsonl([rej1, rej2]));
  mkdirSync(join(dir, 'data/jsonl'), { recursive: true });
  writeFileSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'), jsonl([{ instruction: 'a' }, { instruction: 'b' }]));
  const row = (r: EvolRecord, state: string) => ({
    id: r.id,
    seedId: r.seedId,
    parentId: r.parentId,
    round: r.round,
    strategy: r.strategy ?? null,
    chain: r.lineage.map((l) => l.strategy),
    state,
    ...(r.rejection ? { stage: r.rejection.stage, reason: r.rejection.reason } : {}),
  });
  writeFileSync(
    join(dir, 'lineage.jsonl'),
    jsonl([
      row(rec('s1', 0), 'seed'),
      row(s1r1, 'kept'),
      row(s1r2, 'kept'),
      row(s2r1, 'kept'),
      row(rej1, 'rejected'),
      row(rej2, 'rejected'),
    ]),
  );
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      durationMs: 5000,
      config: { llm: { roles: { evolver: { pricePerMTokIn: 1, pricePerMTokOut: 2 } } }, validate: { maxWords: 800, maxAddedWords: 120 } },
      llm: {
        calls: 9,
        byRole: {
          evolver: { calls: 5, promptTokens: 1_000_000, completionTokens: 500_000 },
          judge: { calls: 4, promptTokens: 10, completionTokens: 1 },
        },
      },
      timeline: [
        { t: 0, stages: { evolve: { in: 0, out: 0, rejected: 0 } } },
        { t: 2000, stages: { evolve: { in: 5, out: 4, rejected: 2 } } },
      ],
      // A stopped run: two records whose responder call the stop cancelled.
      stages: { respond: { in: 6, out: 3, rejected: 1, absorbed: 0, deadLettered: 0, cancelled: 2, retries: 1 } },
    }),
  );
  return dir;
}

describe('readRunDir', () => {
  it('counts per round and strategy, distributions, costs, throughput and chains from the run files', async () => {
    const data = await readRunDir(runDir());
    expect(data.counts).toEqual({ seeds: 3, kept: 3, rejected: 2, deadLettered: 0, dataset: 2, badLines: 1 });
    expect(data.rounds).toEqual([
      { round: 0, kept: 3, rejected: 0, reasons: {} },
      { round: 1, kept: 2, rejected: 1, reasons: { sorry: 1 } },
      { round: 2, kept: 1, rejected: 1, reasons: { duplicate: 1 } },
    ]);
    expect(data.strategies).toEqual([
      { strategy: 'deepening', kept: 1, rejected: 1, reasons: { sorry: 1 } },
      { strategy: 'mutation', kept: 2, rejected: 1, reasons: { duplicate: 1 } },
    ]);
    expect(data.lengthByRound.map((l) => [l.round, l.dist.median])).toEqual([
      [0, 5],
      [1, 10],
      [2, 15],
    ]);
    expect(data.difficultyByRound.map((d) => [d.round, d.source, d.dist.mean])).toEqual([
      [1, 'difficulty', 4.5],
      [2, 'difficulty', 6],
    ]);
    expect(data.similarity).toEqual({ kept: [0.42, 0.61], duplicates: [0.97] });
    expect(data.perStage).toEqual([
      { stage: 'evolve', role: 'evolver', calls: 5, promptTokens: 1_000_000, completionTokens: 500_000, costUsd: 2 },
      { stage: 'eliminate', role: 'judge', calls: 4, promptTokens: 10, completionTokens: 1, costUsd: 0 },
    ]);
    expect(data.throughput).toEqual([{ t: 2000, rates: { evolve: 3 } }]);
    expect(data.stageCounts).toEqual([
      { stage: 'respond', in: 6, out: 3, rejected: 1, absorbed: 0, deadLettered: 0, cancelled: 2, retries: 1 },
    ]);
    // Deepest kept chain first (seed -> r1 -> r2), one per seed, then a rejected one of round 2+.
    expect(data.samples.map((c) => [c.finalId, c.state, c.steps.map((s) => s.id)])).toEqual([
      ['s1.r2', 'kept', ['s1', 's1.r1', 's1.r2']],
      ['s2.r1', 'kept', ['s2', 's2.r1']],
      ['s2.r2', 'rejected', ['s2', 's2.r1', 's2.r2']],
    ]);
    expect(data.samples[0]?.response).toBe('final answer');
    expect(data.rejectExamples.map((e) => [e.reason, e.stage, e.detail])).toEqual([
      ['duplicate', 'dedup', 'copy of s1.r2'],
      ['sorry', 'eliminate', undefined],
    ]);
  });

  it('renders HTML that escapes record text and loads nothing from the network', async () => {
    const data = await readRunDir(runDir());
    data.samples[0]?.steps.push({ id: 'x', round: 3, strategy: 'mutation', instruction: '<script>alert(1)</script> & co', words: 3 });
    const html = renderReport(data, new Date('2026-01-01T00:00:00Z'));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; co');
    expect(html).not.toMatch(/(src|href)=["']?https?:|@import|url\(/);
    expect(html).toMatch(/data-chart="rounds" data-points="5"/);
    expect(html).toMatch(/data-chart="throughput" data-points="1"/);
    expect(html).toContain('$2.00');
  });

  it('keeps at most 600 throughput points for a long run, each rate over its stride', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-report-long-'));
    const timeline = Array.from({ length: 1500 }, (_, k) => ({ t: k * 1000, stages: { evolve: { out: k * 4, rejected: k } } }));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ timeline }));
    const data = await readRunDir(dir);
    expect(data.throughput).toHaveLength(500);
    expect(data.throughput.every((p) => p.rates.evolve === 5)).toBe(true);
    expect(data.throughput.at(-1)?.t).toBe(1_499_000);
  });

  it('"difficulty rises per round" counts only kept records that passed every rule, never rejected ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-report-difficulty-'));
    const ok = (stage: 'evolve' | 'validate' | 'respond') => ({ stage, reason: 'ok' });
    const judged = (verdict: 'not-equal' | 'none') => ({
      stage: 'eliminate' as const,
      reason: 'ok',
      verdict,
      answer: verdict === 'none' ? 'The first prompt asks...' : 'Not Equal',
    });
    const passed = [ok('evolve'), ok('validate'), ok('respond'), judged('not-equal')];
    const kept = [
      rec('a.r1', 1, { strategy: 'deepening', scores: { difficulty: 4 }, checks: passed }),
      rec('b.r1', 1, { strategy: 'deepening', scores: { difficulty: 5 }, checks: passed }),
      rec('a.r2', 2, { strategy: 'deepening', scores: { difficulty: 3 }, checks: passed }),
      // Kept with no verdict (eliminate.keepOnNoVerdict): an essay the judge could not read.
      rec('b.r2', 2, {
        strategy: 'mutation',
        scores: { difficulty: 10 },
        checks: [ok('evolve'), ok('validate'), ok('respond'), judged('none')],
      }),
    ];
    // Rejected records, however difficult they look, never count.
    const rejected = [
      rec('c.r1', 1, {
        strategy: 'mutation',
        scores: { difficulty: 10 },
        checks: [ok('evolve'), { stage: 'validate', reason: 'meta-copy' }],
        rejection: { stage: 'validate', reason: 'meta-copy' },
      }),
      rec('c.r2', 2, {
        strategy: 'mutation',
        scores: { difficulty: 10 },
        checks: [...passed.slice(0, 3), { stage: 'eliminate', reason: 'no-verdict' }],
        rejection: { stage: 'eliminate', reason: 'no-verdict' },
      }),
    ];
    writeFileSync(join(dir, 'seeds.jsonl'), jsonl([rec('a', 0), rec('b', 0), rec('c', 0)]));
    writeFileSync(join(dir, 'kept.jsonl'), jsonl(kept));
    writeFileSync(join(dir, 'rejected.jsonl'), jsonl(rejected));
    const data = await readRunDir(dir);
    expect(data.difficultyByRound.map((d) => [d.round, d.source, d.dist.n, d.dist.mean])).toEqual([
      [1, 'difficulty', 2, 4.5],
      [2, 'difficulty', 1, 3],
    ]);
    expect(data.difficultyExcluded).toBe(1);
    expect(data.counts.kept).toBe(4);
    const html = renderReport(data, new Date('2026-01-01T00:00:00Z'));
    // Round 2 falls (4.5 -> 3): with the no-verdict essay and the rejects counted it would have risen.
    expect(html).toMatch(
      /Difficulty rises per round[\s\S]*?r1 4\.50 \(n 2\), r2 3\.00 \(n 1\); falls in round 2; 1 kept record with a failed check left out/,
    );
    expect(passedEveryRule({ checks: passed })).toBe(true);
    expect(passedEveryRule({ checks: [...passed, { stage: 'dedup', reason: 'duplicate' }] })).toBe(false);
  });

  it('names the folder when it holds no run', async () => {
    await expect(readRunDir('/nonexistent/run')).rejects.toThrow(/\/nonexistent\/run is not a folder/);
    await expect(readRunDir(mkdtempSync(join(tmpdir(), 'evolflow-empty-')))).rejects.toThrow(
      /holds no run.json, kept.jsonl or seeds.jsonl/,
    );
  });

  it('reads LLM latency quantiles per role from the final metrics', () => {
    const text = [
      'evolflow_llm_request_duration_seconds_bucket{le="0.1",role="judge",model="a"} 50',
      'evolflow_llm_request_duration_seconds_bucket{le="0.5",role="judge",model="a"} 90',
      'evolflow_llm_request_duration_seconds_bucket{le="+Inf",role="judge",model="a"} 100',
      'evolflow_llm_request_duration_seconds_sum{role="judge",model="a"} 20',
      'evolflow_llm_request_duration_seconds_count{role="judge",model="a"} 100',
    ].join('\n');
    const [judge] = latencyFromMetrics(text);
    expect(judge?.role).toBe('judge');
    expect(judge?.calls).toBe(100);
    expect(judge?.meanMs).toBeCloseTo(200);
    expect(judge?.p50Ms).toBeCloseTo(100);
    expect(judge?.p95Ms).toBeCloseTo(500); // past the last finite bucket: its bound
    expect(
      histogramQuantile(
        [
          { le: 1, count: 10 },
          { le: 2, count: 20 },
        ],
        0.75,
      ),
    ).toBeCloseTo(1.5);
  });

  it('summarises distributions with interpolated quartiles', () => {
    expect(distribution([1, 2, 3, 4])).toEqual({ n: 4, min: 1, q1: 1.75, median: 2.5, q3: 3.25, max: 4, mean: 2.5 });
    expect(distribution([]).n).toBe(0);
  });
});
