import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './testing.ts';
import { DEFAULT_CONFIG, mergeDeep, type Config, type EvolRecord } from '@evolflow/core';
import { createObserver, GAUGES_NAMED_LIKE_COUNTERS, type Observer, type RunStageRecordEvent } from './observer.ts';
import type { Logger } from '@evolflow/core';

const record = (over: Partial<EvolRecord>): EvolRecord => ({
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Name three primary colours.',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
  ...over,
});

const collecting = () => {
  const lines: { level: string; msg: string; obj?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, obj?: Record<string, unknown>) => void lines.push({ level, msg, ...(obj ? { obj } : {}) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
};

const config = (observe: Partial<Config['observe']>): Config =>
  mergeDeep(structuredClone(DEFAULT_CONFIG), { observe: { failureWindow: 20, ...observe } });

/** The value of a metric line `name{labels} value` in Prometheus text (labels in any order). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

let observer: Observer | undefined;
afterEach(async () => {
  await observer?.close();
  observer = undefined;
});

describe('createObserver', () => {
  it('counts records by stage, reason, strategy and round, and serves them on /metrics', async () => {
    const port = await freePort();
    let healthy = true;
    observer = await createObserver({
      config: config({}),
      logger: collecting().logger,
      strategies: ['deepening', 'mutation'],
      metricsPort: port,
      metricsHost: '127.0.0.1',
      health: () => ({ ok: healthy, detail: { stage: 'dedup' } }),
    });
    const seed = record({});
    const child = record({
      id: 's-1.r1',
      parentId: 's-1',
      round: 1,
      strategy: 'deepening',
      instruction: 'Name three primary colours and explain why they are primary.',
      scores: { difficulty: 4 },
    });
    const rejectedChild = {
      ...child,
      id: 's-2.r1',
      seedId: 's-2',
      strategy: 'mutation',
      rejection: { stage: 'eliminate' as const, reason: 'sorry' },
    };
    const events: RunStageRecordEvent[] = [
      {
        stage: 'seed',
        record: seed,
        outcome: 'out',
        emits: [
          { topic: 'pool', record: seed },
          { topic: 'replay', record: seed },
        ],
      },
      { stage: 'evolve', record: seed, outcome: 'out', emits: [{ topic: 'evolved', record: child }] },
      {
        stage: 'evolve',
        record: seed,
        outcome: 'rejected',
        emits: [
          { topic: 'rejected', record: { ...rejectedChild, rejection: { stage: 'evolve', reason: 'unparseable' } } },
          { topic: 'pool', record: seed },
        ],
      },
      { stage: 'eliminate', record: rejectedChild, outcome: 'rejected', emits: [{ topic: 'rejected', record: rejectedChild }] },
      { stage: 'dedup', record: child, outcome: 'out', emits: [{ topic: 'unique', record: child }] },
      { stage: 'dedup', record: seed, outcome: 'absorbed', emits: [] },
      { stage: 'validate', record: child, outcome: 'dead-lettered', emits: [] },
      { stage: 'respond', record: child, outcome: 'cancelled', emits: [] },
    ];
    for (const e of events) observer.onRecord(e);
    observer.onLlmEvent({
      kind: 'request',
      role: 'evolver',
      model: 'm',
      latencyMs: 120,
      status: 200,
      promptTokens: 100,
      completionTokens: 40,
    });
    observer.onLlmEvent({ kind: 'request', role: 'judge', model: 'm', latencyMs: 30, status: 200, promptTokens: 10, completionTokens: 1 });
    observer.onLlmEvent({ kind: 'cache-hit', role: 'evolver', model: 'm' });
    observer.onLlmEvent({ kind: 'retry', role: 'evolver', model: 'm', attempt: 1, delayMs: 250, reason: 'rate-limit', status: 429 });
    observer.onLlmEvent({
      kind: 'error',
      role: 'responder',
      model: 'm',
      status: 0,
      reason: 'timeout',
      attempts: 6,
      error:
        'LLM responder call (model m) for record s-1.r1 failed after 6 attempts: no HTTP response (timeout): aborted; raise llm.timeoutMs',
    });
    observer.setBacklog('pool', 7);
    expect(metric(await observer.metricsText(), 'evolflow_dedup_index_size')).toBe(2); // one kept, one seed registered
    observer.setDedupSize(42);

    const res = await fetch(`${observer.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(metric(text, 'evolflow_records_in_total', { stage: 'evolve' })).toBe(2);
    expect(metric(text, 'evolflow_records_out_total', { stage: 'seed' })).toBe(1);
    expect(metric(text, 'evolflow_records_rejected_total', { stage: 'eliminate', reason: 'sorry', strategy: 'mutation', round: '1' })).toBe(
      1,
    );
    expect(
      metric(text, 'evolflow_records_rejected_total', { stage: 'evolve', reason: 'unparseable', strategy: 'mutation', round: '1' }),
    ).toBe(1);
    expect(metric(text, 'evolflow_records_absorbed_total', { stage: 'dedup' })).toBe(1);
    expect(metric(text, 'evolflow_records_dead_lettered_total', { stage: 'validate' })).toBe(1);
    // A record a stop left undone: in, and cancelled, nothing else.
    expect(metric(text, 'evolflow_records_in_total', { stage: 'respond' })).toBe(1);
    expect(metric(text, 'evolflow_records_cancelled_total', { stage: 'respond' })).toBe(1);
    expect(metric(text, 'evolflow_evolutions_total', { strategy: 'deepening', round: '1' })).toBe(1);
    expect(metric(text, 'evolflow_evolutions_total', { strategy: 'mutation', round: '1' })).toBe(1);
    expect(metric(text, 'evolflow_kept_total', { strategy: 'deepening', round: '1' })).toBe(1);
    expect(metric(text, 'evolflow_instruction_words_count', { round: '0' })).toBe(1);
    expect(metric(text, 'evolflow_instruction_words_sum', { round: '1' })).toBe(10);
    expect(metric(text, 'evolflow_difficulty_sum', { round: '1' })).toBe(4);
    expect(metric(text, 'evolflow_llm_requests_total', { role: 'evolver', status: '200' })).toBe(1);
    expect(metric(text, 'evolflow_llm_request_duration_seconds_count', { role: 'evolver' })).toBe(1);
    expect(metric(text, 'evolflow_llm_request_duration_seconds_bucket', { role: 'evolver', le: '0.25' })).toBe(1);
    expect(metric(text, 'evolflow_llm_request_duration_seconds_bucket', { role: 'evolver', le: '0.1' })).toBe(0);
    expect(metric(text, 'evolflow_llm_tokens_total', { role: 'evolver', type: 'prompt' })).toBe(100);
    expect(metric(text, 'evolflow_llm_cache_hits_total', { role: 'evolver' })).toBe(1);
    expect(metric(text, 'evolflow_llm_retries_total', { reason: 'rate-limit' })).toBe(1);
    expect(metric(text, 'evolflow_llm_errors_total', { role: 'responder', kind: 'timeout' })).toBe(1);
    expect(metric(text, 'evolflow_topic_backlog', { topic: 'pool' })).toBe(7);
    expect(metric(text, 'evolflow_dedup_index_size')).toBe(42);
    expect(metric(text, 'evolflow_strategy_weight', { strategy: 'mutation' })).toBe(1);
    // prom-client's default metrics under the names standard Node dashboards query, and no gauge
    // ending in _total (promtool's rule): the per-type gauges carry the same counts.
    expect(text).not.toContain('evolflow_process_');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) expect(text).not.toContain(name);
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm))
      if (m[2] !== 'counter') expect(m[1]?.endsWith('_total'), `${m[1]} is a ${m[2]}`).toBe(false);

    expect(observer.llmTotals()).toEqual({
      calls: 2,
      cacheHits: 1,
      retries: 1,
      errors: 1,
      promptTokens: 110,
      completionTokens: 41,
      byRole: {
        evolver: { calls: 1, cacheHits: 1, promptTokens: 100, completionTokens: 40 },
        responder: { calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 },
        judge: { calls: 1, cacheHits: 0, promptTokens: 10, completionTokens: 1 },
      },
    });
    expect(observer.outcomes()).toEqual({
      rounds: { '1': { kept: 1, rejected: { unparseable: 1, sorry: 1, 'dead-lettered': 1 } } },
      strategies: {
        deepening: { kept: 1, rejected: { 'dead-lettered': 1 } },
        mutation: { kept: 0, rejected: { unparseable: 1, sorry: 1 } },
      },
    });

    const health = await fetch(`${observer.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, detail: { stage: 'dedup' } });
    healthy = false;
    expect((await fetch(`${observer.url}/healthz`)).status).toBe(503);
    expect((await fetch(`${observer.url}/nope`)).status).toBe(404);
  });

  it('warns, naming the strategy, when its failure rate leaves the band, and down-weights it when adaptive', async () => {
    const { logger, lines } = collecting();
    observer = await createObserver({
      config: config({ adaptive: true }),
      logger,
      strategies: ['deepening', 'mutation'],
      processMetrics: false,
    });
    for (let i = 0; i < 20; i++) {
      const id = `s-${i}.r1`;
      const bad = record({
        id,
        seedId: `s-${i}`,
        round: 1,
        strategy: 'mutation',
        rejection: { stage: 'eliminate', reason: 'no-information-gain' },
      });
      const good = record({ id, seedId: `s-${i}`, round: 1, strategy: 'deepening' });
      observer.onRecord(
        i % 5 === 0
          ? {
              stage: 'dedup',
              record: bad,
              outcome: 'out',
              emits: [{ topic: 'unique', record: { ...bad, rejection: undefined } as unknown as EvolRecord }],
            }
          : { stage: 'eliminate', record: bad, outcome: 'rejected', emits: [{ topic: 'rejected', record: bad }] },
      );
      observer.onRecord({ stage: 'dedup', record: good, outcome: 'out', emits: [{ topic: 'unique', record: good }] });
      if (i % 3 === 0)
        observer.onRecord({
          stage: 'eliminate',
          record: good,
          outcome: 'rejected',
          emits: [{ topic: 'rejected', record: { ...good, rejection: { stage: 'eliminate', reason: 'sorry' } } }],
        });
    }
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.obj?.strategy)).toEqual(['mutation']);
    expect(warnings[0]?.msg).toMatch(
      /^strategy mutation: 16 of its last 20 evolutions failed \(80\.0%\), above the band's 50% \(top reasons: no-information-gain 16\)/,
    );
    expect(observer.alerts()).toHaveLength(1);
    expect(observer.strategyWeights().mutation).toBeCloseTo(0.4);
    expect(observer.strategyWeights().deepening).toBe(1);
    const text = await observer.metricsText();
    expect(metric(text, 'evolflow_strategy_weight', { strategy: 'mutation' })).toBeCloseTo(0.4);
    expect(metric(text, 'evolflow_strategy_failure_rate', { strategy: 'mutation' })).toBeCloseTo(0.8);
    expect(metric(text, 'evolflow_failure_alerts_total', { strategy: 'mutation', state: 'too-high' })).toBe(1);
  });

  it('warns of too few failures only against a real endpoint, in words that match its numbers', async () => {
    const lowCalls = async (provider: 'sim' | 'openai', evolutions: number) => {
      const { logger, lines } = collecting();
      const cfg = mergeDeep(config({ failureWindow: 50 }), { llm: { provider } });
      const o = await createObserver({ config: cfg, logger, strategies: ['deepening'], processMetrics: false });
      // One failure in the first 50, then only successes: 1 of N, below the 2% band edge once N > 50.
      for (let i = 0; i < evolutions; i++) {
        const r = record({ id: `s-${i}.r1`, seedId: `s-${i}`, round: 1, strategy: 'deepening' });
        o.onRecord(
          i === 10
            ? {
                stage: 'eliminate',
                record: r,
                outcome: 'rejected',
                emits: [{ topic: 'rejected', record: { ...r, rejection: { stage: 'eliminate', reason: 'sorry' } } }],
              }
            : { stage: 'dedup', record: r, outcome: 'out', emits: [{ topic: 'unique', record: r }] },
        );
      }
      await o.close();
      return lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    };
    // The simulator fails only where faults are configured: a clean run is not "too few failures".
    expect(await lowCalls('sim', 400)).toEqual([]);
    // A real endpoint, but fewer than 150 evolutions (3 / 2%): 1 of 149 is what a 2% rate shows by chance.
    expect(await lowCalls('openai', 149)).toEqual([]);
    // 1 of 150 (0.67%) is below 2%.
    expect(await lowCalls('openai', 150)).toEqual([
      "strategy deepening: only 1 of its 150 evolutions so far failed (0.7%), below the band's 2%; the filters may be too loose (see validate.* and eliminate.* in the config)",
    ]);
  });

  it('holds /metrics open for one more scrape at the end, or until the wait runs out', async () => {
    const port = await freePort();
    observer = await createObserver({
      config: config({}),
      logger: collecting().logger,
      strategies: [],
      metricsPort: port,
      metricsHost: '127.0.0.1',
      processMetrics: false,
    });
    const held = observer.holdForScrape(60_000);
    const res = await fetch(`${observer.url}/metrics`);
    expect(res.status).toBe(200);
    await res.text();
    expect(await held).toBe(true);
    expect(await observer.holdForScrape(20)).toBe(false);
    const unserved = await createObserver({ config: config({}), logger: collecting().logger, strategies: [], processMetrics: false });
    expect(await unserved.holdForScrape(60_000)).toBe(false);
    await unserved.close();
  });

  it("labels failed calls by a bounded kind from the client's typed fields, never its message", async () => {
    observer = await createObserver({ config: config({}), logger: collecting().logger, strategies: [], processMetrics: false });
    const error = (status: number, reason: 'rate-limit' | 'timeout' | undefined, message: string) =>
      observer?.onLlmEvent({
        kind: 'error',
        role: 'judge',
        model: 'm',
        status,
        attempts: 1,
        error: message,
        ...(reason ? { reason } : {}),
      });
    error(400, undefined, 'LLM judge call (model m) for record x failed after 1 attempt: HTTP 400: bad request; check the model name');
    error(429, 'rate-limit', 'LLM judge call failed after 6 attempts: HTTP 429 (rate-limit): slow down; lower llm.rpm');
    error(0, undefined, 'LLM judge call failed after 1 attempt: no HTTP response: socket hang up');
    // A message that names another status or reason changes nothing: the fields decide.
    error(404, undefined, 'upstream said HTTP 500 (server-error), no HTTP response');
    const text = await observer.metricsText();
    const kinds = ['http-400', 'rate-limit', 'no-response', 'http-404', 'http-500', 'server-error', 'other'].map((kind) =>
      metric(text, 'evolflow_llm_errors_total', { role: 'judge', kind }),
    );
    expect(kinds).toEqual([1, 1, 1, 1, undefined, undefined, undefined]);
  });

  it('names the port when it cannot listen', async () => {
    const port = await freePort();
    observer = await createObserver({
      config: config({}),
      logger: collecting().logger,
      strategies: [],
      metricsPort: port,
      metricsHost: '127.0.0.1',
      processMetrics: false,
    });
    await expect(
      createObserver({
        config: config({}),
        logger: collecting().logger,
        strategies: [],
        metricsPort: port,
        metricsHost: '127.0.0.1',
        processMetrics: false,
      }),
    ).rejects.toThrow(new RegExp(`cannot serve metrics on 127.0.0.1:${port} \\(EADDRINUSE\\)`));
  });
});
