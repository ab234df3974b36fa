// `evolflow run --metrics-port`: /metrics scraped during a simulator run, and the final counters
// (metrics.prom, the last scrape the run writes) reconciled with run.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StageStats } from '@evolflow/transport';
import { evolflow, freePort, parseMetrics, sleep, sum, sumBy, tempDir, VICUNA, writeConfig } from './observe-helpers.ts';

interface RunJson {
  stages: Record<string, Pick<StageStats, 'in' | 'out' | 'rejected' | 'absorbed' | 'deadLettered' | 'cancelled' | 'reasons'>>;
  llm: {
    calls: number;
    cacheHits: number;
    retries: number;
    errors: number;
    promptTokens: number;
    completionTokens: number;
    byRole: Record<string, { calls: number; promptTokens: number; completionTokens: number }>;
  };
  totals: { seeds: number; evolutions: number; kept: number; rejected: number; deadLettered: number };
  rounds: Record<string, { kept: number; rejected: Record<string, number> }>;
}

describe('metrics of evolflow run', () => {
  it('serves /metrics and /healthz during the run, and its counters reconcile with run.json', async () => {
    const dir = tempDir('metrics');
    const out = join(dir, 'out');
    const config = writeConfig(dir, {
      run: { rounds: 2 },
      simulator: {
        latencyMs: 15,
        latencyJitterMs: 10,
        faultRate: 0.04,
        faults: ['rate-limit', 'server-error', 'meta-copy', 'unchanged', 'no-gain', 'refusal', 'too-short'],
      },
      llm: { concurrency: 8, backoffBaseMs: 5, backoffMaxMs: 50 },
      stages: { concurrency: 8 },
    });
    const port = await freePort();
    const run = evolflow([
      'run',
      '--config',
      config,
      '--seeds',
      VICUNA,
      '--out',
      out,
      '--metrics-port',
      String(port),
      '--log-level',
      'error',
    ]);
    const url = `http://127.0.0.1:${port}`;
    const scrapes: ReturnType<typeof parseMetrics>[] = [];
    let health: { status: number; body: { ok: boolean; detail: { terminal: number; expected: number } } } | undefined;
    let finished = false;
    void run.code.then(() => (finished = true));
    while (!finished) {
      try {
        const res = await fetch(`${url}/metrics`);
        if (res.ok) scrapes.push(parseMetrics(await res.text()));
        if (!health) {
          const h = await fetch(`${url}/healthz`);
          health = { status: h.status, body: (await h.json()) as NonNullable<typeof health>['body'] };
        }
      } catch {
        // not listening yet, or already closed
      }
      await sleep(150);
    }
    expect(await run.code, run.stderr()).toBe(0);

    // Scraped live, mid-run: counters were moving and below their final values.
    const live = scrapes.filter((s) => sum(s, 'evolflow_records_in_total') > 0);
    expect(live.length).toBeGreaterThanOrEqual(2);
    expect(health?.status).toBe(200);
    expect(health?.body.ok).toBe(true);

    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    const final = parseMetrics(readFileSync(join(out, 'metrics.prom'), 'utf8'));
    const firstLive = live[0] as ReturnType<typeof parseMetrics>;
    expect(sum(firstLive, 'evolflow_records_in_total')).toBeLessThan(sum(final, 'evolflow_records_in_total'));
    for (const s of live) expect(sum(s, 'evolflow_llm_requests_total')).toBeLessThanOrEqual(sum(final, 'evolflow_llm_requests_total'));

    // Per stage: in, out (+absorbed), rejected by reason, dead-lettered.
    for (const [stage, st] of Object.entries(runJson.stages)) {
      expect(sum(final, 'evolflow_records_in_total', { stage }), `${stage} in`).toBe(st.in);
      expect(sum(final, 'evolflow_records_out_total', { stage }), `${stage} out`).toBe(st.out);
      expect(sum(final, 'evolflow_records_absorbed_total', { stage }), `${stage} absorbed`).toBe(st.absorbed);
      expect(sum(final, 'evolflow_records_rejected_total', { stage }), `${stage} rejected`).toBe(st.rejected);
      expect(sum(final, 'evolflow_records_dead_lettered_total', { stage }), `${stage} dead-lettered`).toBe(st.deadLettered);
      expect(sum(final, 'evolflow_records_cancelled_total', { stage }), `${stage} cancelled`).toBe(st.cancelled);
      expect(sumBy(final, 'evolflow_records_rejected_total', { label: 'reason', where: { stage } }), `${stage} reasons`).toEqual(
        st.reasons,
      );
    }
    // The run was not trivial: something was rejected and the LLM misbehaved.
    expect(runJson.totals.rejected).toBeGreaterThan(0);
    expect(runJson.llm.retries).toBeGreaterThan(0);

    // Kept and rejected per round (evolutions), and evolutions in total.
    for (const [round, r] of Object.entries(runJson.rounds)) {
      expect(sum(final, 'evolflow_kept_total', { round }), `round ${round} kept`).toBe(r.kept);
      const rejected = sumBy(final, 'evolflow_records_rejected_total', { label: 'reason', where: { round } });
      delete rejected[''];
      expect(rejected, `round ${round} rejected`).toEqual(r.rejected);
    }
    expect(sum(final, 'evolflow_kept_total')).toBe(runJson.totals.kept);
    expect(sum(final, 'evolflow_evolutions_total')).toBe(runJson.totals.evolutions);

    // LLM: requests, tokens, cache hits, retries, errors, per role.
    expect(sum(final, 'evolflow_llm_requests_total')).toBe(runJson.llm.calls);
    expect(sum(final, 'evolflow_llm_request_duration_seconds_count')).toBe(runJson.llm.calls);
    expect(sum(final, 'evolflow_llm_tokens_total', { type: 'prompt' })).toBe(runJson.llm.promptTokens);
    expect(sum(final, 'evolflow_llm_tokens_total', { type: 'completion' })).toBe(runJson.llm.completionTokens);
    expect(sum(final, 'evolflow_llm_cache_hits_total')).toBe(runJson.llm.cacheHits);
    expect(sum(final, 'evolflow_llm_retries_total')).toBe(runJson.llm.retries);
    expect(sum(final, 'evolflow_llm_errors_total')).toBe(runJson.llm.errors);
    for (const [role, r] of Object.entries(runJson.llm.byRole)) {
      expect(sum(final, 'evolflow_llm_requests_total', { role }), `${role} calls`).toBe(r.calls);
      expect(sum(final, 'evolflow_llm_tokens_total', { role, type: 'completion' }), `${role} completion tokens`).toBe(r.completionTokens);
    }
    // Queue depth was reported, and instruction length tracked per round (seeds as round 0).
    expect(final.some((s) => s.name === 'evolflow_topic_backlog' && s.labels.topic === 'pool')).toBe(true);
    expect(sum(final, 'evolflow_instruction_words_count', { round: '0' })).toBe(runJson.totals.seeds);
  });
});
