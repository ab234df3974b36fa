// The observer of one process (`evolflow run` or a stage service): turns runStage record events
// and LLM client events into Prometheus metrics (own registry per observer), feeds the failure-rate
// guard, and serves GET /metrics and GET /healthz when given a port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EvolflowError, wordCount, type Config, type EvolRecord, type Logger } from '@evolflow/core';
import { failureKind, type LlmEvent, type LlmUsage } from '@evolflow/llm';
import type { RunStageOptions, StageStats } from '@evolflow/transport';
import { createFailureGuard, percentBeside, percentEdge, type FailureAlert, type StrategyHealth } from './failure-guard.ts';

/** What runStage's `onRecord` hands over for each handled record. */
export type RunStageRecordEvent = Parameters<NonNullable<RunStageOptions<unknown>['onRecord']>>[0];

/** What the LLM client reports through its `onEvent` hook. */
export type { LlmEvent };

/** LLM totals in the shape of run.json's `llm` block (the client's usage without `saved`). */
export type LlmTotals = Omit<LlmUsage, 'saved'>;

/** Kept and rejected counts per round and per strategy, in the shape of run.json's blocks. */
export interface OutcomeSummary {
  rounds: Record<string, { kept: number; rejected: Record<string, number> }>;
  strategies: Record<string, { kept: number; rejected: Record<string, number> }>;
}

export interface Observer {
  /** runStage's `onRecord`: per-stage, per-reason, per-strategy and per-round counts, and the failure guard. */
  onRecord(event: RunStageRecordEvent): void;
  /** The LLM client's `onEvent`: latency histogram, errors by kind, retries, tokens. */
  onLlmEvent(event: LlmEvent): void;
  /** Queue depth / consumer lag of a topic (call periodically with `transport.backlog(topic)`). */
  setBacklog(topic: string, n: number): void;
  setDedupSize(n: number): void;
  /**
   * Adaptive strategy selection (off by default): the current multiplier of each strategy's
   * configured weight (1 = as configured, lower for a strategy failing above the band). The evolve
   * stage calls this per evolution when `observe.adaptive` is on.
   */
  strategyWeights(): Readonly<Record<string, number>>;
  /** Per-strategy rolling failure rate, band state and weight. */
  strategyHealth(): Readonly<Record<string, StrategyHealth>>;
  /** Every band alert so far, oldest first. */
  alerts(): readonly FailureAlert[];
  llmTotals(): LlmTotals;
  outcomes(): OutcomeSummary;
  /** The Prometheus text exposition of this observer's registry. */
  metricsText(): Promise<string>;
  /**
   * The end of a finite run: keep serving `/metrics` until it has been scraped once more (the last
   * values reach Prometheus) or `maxMs` has passed. Resolves true when scraped, false on timeout or
   * when no endpoint is served.
   */
  holdForScrape(maxMs: number): Promise<boolean>;
  /** `http://host:port` of the metrics endpoint, when serving. */
  readonly url: string | undefined;
  readonly registry: Registry;
  close(): Promise<void>;
}

export interface CreateObserverOptions {
  config: Readonly<Config>;
  logger: Logger;
  /** The enabled strategies (the guard tracks each from the start). */
  strategies: readonly string[];
  /** Port of GET /metrics and GET /healthz; 0 (default) = not served. */
  metricsPort?: number;
  /** Interface to listen on (default 0.0.0.0, so orchestrators can reach it). */
  metricsHost?: string;
  /** Health for GET /healthz (200 when ok, 503 otherwise); default: always ok. */
  health?(): { ok: boolean; detail?: unknown };
  /** Live StageStats of the stages in this process, exposed as in-flight and retry gauges. */
  stages?(): readonly StageStats[];
  /** Node process metrics (CPU, memory, event loop) in the registry (default true). */
  processMetrics?: boolean;
}

/** prom-client default gauges whose names end in `_total` (removed: their per-type gauges remain). */
export const GAUGES_NAMED_LIKE_COUNTERS: readonly string[] = Object.freeze([
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
]);

const emptyRole = () => ({ calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 });

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Create an observer; resolves once its endpoint (if any) is listening. */
export async function createObserver(options: CreateObserverOptions): Promise<Observer> {
  const { config, logger } = options;
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // Named as prom-client names them (`process_*`, `nodejs_*`), so standard Node dashboards find them.
    collectDefaultMetrics({ register: registry });
    // prom-client's three gauges ending in `_total` break the Prometheus naming rule (promtool flags
    // them); the per-type gauges without the suffix (`nodejs_active_handles{type}` ...) carry the same count.
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  const recordsIn = new Counter({
    name: 'evolflow_records_in_total',
    help: 'Records handled by a stage',
    labelNames: ['stage'],
    registers,
  });
  const recordsOut = new Counter({
    name: 'evolflow_records_out_total',
    help: 'Records a stage forwarded downstream',
    labelNames: ['stage'],
    registers,
  });
  const recordsRejected = new Counter({
    name: 'evolflow_records_rejected_total',
    help: 'Records a stage rejected, by reason, strategy and round',
    labelNames: ['stage', 'reason', 'strategy', 'round'],
    registers,
  });
  const verifyChecks = new Counter({
    name: 'evolflow_verify_checks_total',
    help: 'Verify stage verdicts, by what was checked (python, javascript, math, none) and reason (ok or the reject code)',
    labelNames: ['checked', 'reason'],
    registers,
  });
  const recordsAbsorbed = new Counter({
    name: 'evolflow_records_absorbed_total',
    help: 'Records a stage kept without output',
    labelNames: ['stage'],
    registers,
  });
  const recordsDead = new Counter({
    name: 'evolflow_records_dead_lettered_total',
    help: 'Records dead-lettered by a stage',
    labelNames: ['stage'],
    registers,
  });
  const recordsCancelled = new Counter({
    name: 'evolflow_records_cancelled_total',
    help: 'Records a stop left undone (their LLM call cancelled), for the resume',
    labelNames: ['stage'],
    registers,
  });
  const evolutions = new Counter({
    name: 'evolflow_evolutions_total',
    help: 'Evolutions made, by strategy and round',
    labelNames: ['strategy', 'round'],
    registers,
  });
  const kept = new Counter({
    name: 'evolflow_kept_total',
    help: 'Evolutions that passed dedup, by strategy and round',
    labelNames: ['strategy', 'round'],
    registers,
  });
  const words = new Histogram({
    name: 'evolflow_instruction_words',
    help: 'Words per instruction of kept records (round 0: seeds)',
    labelNames: ['round'],
    registers,
    buckets: [10, 20, 40, 80, 120, 160, 240, 320, 480, 640, 800],
  });
  const difficulty = new Histogram({
    name: 'evolflow_difficulty',
    help: 'Difficulty score of kept records',
    labelNames: ['round'],
    registers,
    buckets: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  });
  const failureRate = new Gauge({
    name: 'evolflow_strategy_failure_rate',
    help: 'Rolling failure rate of a strategy (0..1)',
    labelNames: ['strategy'],
    registers,
  });
  const weightGauge = new Gauge({
    name: 'evolflow_strategy_weight',
    help: 'Selection weight of a strategy',
    labelNames: ['strategy'],
    registers,
  });
  const alertsTotal = new Counter({
    name: 'evolflow_failure_alerts_total',
    help: 'Failure-band alerts, by strategy and state',
    labelNames: ['strategy', 'state'],
    registers,
  });
  const llmLatency = new Histogram({
    name: 'evolflow_llm_request_duration_seconds',
    help: 'LLM request latency',
    labelNames: ['role', 'model'],
    registers,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  const llmRequests = new Counter({
    name: 'evolflow_llm_requests_total',
    help: 'LLM requests sent, by status',
    labelNames: ['role', 'model', 'status'],
    registers,
  });
  const llmCacheHits = new Counter({
    name: 'evolflow_llm_cache_hits_total',
    help: 'LLM calls answered from the cache',
    labelNames: ['role', 'model'],
    registers,
  });
  const llmRetries = new Counter({
    name: 'evolflow_llm_retries_total',
    help: 'LLM request retries, by reason',
    labelNames: ['role', 'model', 'reason'],
    registers,
  });
  const llmErrors = new Counter({
    name: 'evolflow_llm_errors_total',
    help: 'LLM calls that failed for good, by kind',
    labelNames: ['role', 'model', 'kind'],
    registers,
  });
  const llmTokens = new Counter({
    name: 'evolflow_llm_tokens_total',
    help: 'Tokens spent, by type (prompt, completion)',
    labelNames: ['role', 'model', 'type'],
    registers,
  });
  const backlog = new Gauge({
    name: 'evolflow_topic_backlog',
    help: 'Messages of a topic not yet committed by its slowest group',
    labelNames: ['topic'],
    registers,
  });
  const dedupSize = new Gauge({ name: 'evolflow_dedup_index_size', help: 'Entries in the dedup index', registers });
  dedupSize.set(0);
  const stagesFn = options.stages;
  if (stagesFn) {
    new Gauge({
      name: 'evolflow_stage_in_flight',
      help: 'Records a stage is handling now',
      labelNames: ['stage'],
      registers,
      collect() {
        for (const s of stagesFn()) this.set({ stage: s.stage }, s.inFlight);
      },
    });
    new Gauge({
      name: 'evolflow_stage_retries',
      help: 'Retries of retriable stage errors so far',
      labelNames: ['stage'],
      registers,
      collect() {
        for (const s of stagesFn()) this.set({ stage: s.stage }, s.retries);
      },
    });
  }

  const o = config.observe;
  const guard = createFailureGuard({
    strategies: options.strategies,
    band: o.failureBand,
    window: o.failureWindow,
    adaptive: o.adaptive,
    minWeight: o.minWeight,
    // The simulator fails only where faults are configured: few failures there say nothing about the filters.
    judgeTooFew: config.llm.provider !== 'sim',
  });
  for (const [s, w] of Object.entries(guard.weights())) weightGauge.set({ strategy: s }, w);
  const alertLog: FailureAlert[] = [];
  const llm: LlmTotals = {
    calls: 0,
    cacheHits: 0,
    retries: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    byRole: { evolver: emptyRole(), responder: emptyRole(), judge: emptyRole() },
  };
  const summary: OutcomeSummary = { rounds: {}, strategies: {} };
  const outcomeOf = (map: OutcomeSummary['rounds'], key: string) => (map[key] ??= { kept: 0, rejected: {} });

  const judge = (strategy: string, ok: boolean, reason?: string) => {
    const alert = guard.record(strategy, ok, reason);
    const now = guard.of(strategy);
    if (now.rate !== undefined) failureRate.set({ strategy }, now.rate);
    weightGauge.set({ strategy }, now.weight);
    if (!alert) return;
    alertLog.push(alert);
    alertsTotal.inc({ strategy, state: alert.state });
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const fields = {
      strategy,
      state: alert.state,
      rate: alert.rate,
      samples: alert.samples,
      failed: alert.failed,
      band: alert.band,
      reasons: alert.reasons.slice(0, 5),
      weight: alert.weight,
    };
    if (alert.state === 'too-high') {
      logger.warn(
        `strategy ${strategy}: ${alert.failed} of its last ${alert.samples} evolutions failed (${percentBeside(alert.rate, alert.band.high)}), above the band's ${percentEdge(alert.band.high)} (top reasons: ${alert.reasons
          .slice(0, 3)
          .map((r) => `${r.reason} ${r.n}`)
          .join(
            ', ',
          )}); its prompt may be too hard or the evolver too weak${o.adaptive ? `; adaptive selection now weighs it ${alert.weight.toFixed(2)}` : '; set observe.adaptive to pick it less often'}`,
        fields,
      );
    } else if (alert.state === 'too-low') {
      logger.warn(
        `strategy ${strategy}: only ${alert.failed} of its ${alert.samples} evolutions so far failed (${percentBeside(alert.rate, alert.band.low)}), below the band's ${percentEdge(alert.band.low)}; ` +
          'the filters may be too loose (see validate.* and eliminate.* in the config)',
        fields,
      );
    } else {
      logger.info(
        `strategy ${strategy}: failure rate back in band at ${pct(alert.rate)} over its last ${alert.samples} evolutions`,
        fields,
      );
    }
  };

  const failedEvolution = (strategy: string, round: number, reason: string) => {
    bump(outcomeOf(summary.rounds, String(round)).rejected, reason);
    bump(outcomeOf(summary.strategies, strategy).rejected, reason);
    judge(strategy, false, reason);
  };

  const keptRecord = (record: EvolRecord, strategy: string) => {
    const round = String(record.round);
    kept.inc({ strategy, round });
    words.observe({ round }, wordCount(record.instruction));
    const d = record.scores?.difficulty;
    if (d !== undefined) difficulty.observe({ round }, d);
    outcomeOf(summary.rounds, round).kept++;
    outcomeOf(summary.strategies, strategy).kept++;
    judge(strategy, true);
  };

  const onRecord = (event: RunStageRecordEvent): void => {
    const { stage, outcome, emits } = event;
    recordsIn.inc({ stage });
    if (outcome === 'out') recordsOut.inc({ stage });
    else if (outcome === 'absorbed') recordsAbsorbed.inc({ stage });
    else if (outcome === 'cancelled') recordsCancelled.inc({ stage });
    // Dedup indexes every record it keeps and every seed it registers (a stage that knows its
    // index's true size, after a restore for example, reports it with setDedupSize).
    if (stage === 'dedup' && (outcome === 'out' || outcome === 'absorbed')) dedupSize.inc();
    else if (outcome === 'dead-lettered') {
      recordsDead.inc({ stage });
      logger.debug(`stage ${stage}: record ${event.record.id} dead-lettered`, { recordId: event.record.id, stage });
      const r = event.record;
      if (stage !== 'seed' && stage !== 'evolve' && stage !== 'mix' && r.round > 0 && r.strategy)
        failedEvolution(r.strategy, r.round, 'dead-lettered');
    }
    for (const { topic, record } of emits) {
      const verified = stage === 'verify' && topic !== 'pool' ? record.checks.at(-1) : undefined;
      if (verified?.stage === 'verify') verifyChecks.inc({ checked: verified.verified ?? 'none', reason: verified.reason });
      if (topic === 'rejected') {
        const reason = record.rejection?.reason ?? 'unknown';
        recordsRejected.inc({ stage, reason, strategy: record.strategy ?? 'none', round: String(record.round) });
        logger.info(`stage ${stage}: record ${record.id} rejected (${reason})`, {
          recordId: record.id,
          stage,
          reason,
          round: record.round,
          ...(record.strategy ? { strategy: record.strategy } : {}),
          ...(record.rejection?.detail ? { detail: record.rejection.detail } : {}),
        });
        if (record.round > 0 && record.strategy && stage !== 'mix') failedEvolution(record.strategy, record.round, reason);
      } else if (stage === 'evolve' && topic === 'evolved' && record.strategy) {
        evolutions.inc({ strategy: record.strategy, round: String(record.round) });
      } else if (stage === 'seed' && topic === 'pool') {
        words.observe({ round: '0' }, wordCount(record.instruction));
      } else if (stage === 'dedup' && topic === 'unique' && record.round > 0 && record.strategy) {
        keptRecord(record, record.strategy);
        logger.debug(`record ${record.id} kept (round ${record.round}, ${record.strategy})`, {
          recordId: record.id,
          round: record.round,
          strategy: record.strategy,
        });
      }
    }
    if (stage === 'evolve') {
      const child = emits.find((e) => e.topic === 'rejected')?.record;
      if (child?.strategy && child.round > 0) evolutions.inc({ strategy: child.strategy, round: String(child.round) });
    }
  };

  const onLlmEvent = (event: LlmEvent): void => {
    const labels = { role: event.role, model: event.model };
    const role = (llm.byRole[event.role] ??= emptyRole());
    switch (event.kind) {
      case 'request':
        llmRequests.inc({ ...labels, status: String(event.status) });
        llmLatency.observe(labels, event.latencyMs / 1000);
        llmTokens.inc({ ...labels, type: 'prompt' }, event.promptTokens);
        llmTokens.inc({ ...labels, type: 'completion' }, event.completionTokens);
        llm.calls++;
        llm.promptTokens += event.promptTokens;
        llm.completionTokens += event.completionTokens;
        role.calls++;
        role.promptTokens += event.promptTokens;
        role.completionTokens += event.completionTokens;
        break;
      case 'cache-hit':
        llmCacheHits.inc(labels);
        llm.cacheHits++;
        role.cacheHits++;
        break;
      case 'retry':
        llmRetries.inc({ ...labels, reason: event.reason });
        llm.retries++;
        logger.debug(`llm ${event.role}: retry ${event.attempt} in ${Math.round(event.delayMs)} ms (${event.reason})`, {
          ...labels,
          attempt: event.attempt,
          reason: event.reason,
        });
        break;
      case 'error': {
        // The client's typed fields, not its message: the retry reason, else http-<status>, else no-response.
        const kind = failureKind(event);
        llmErrors.inc({ ...labels, kind });
        llm.errors++;
        // The client logs the failure itself (with its hint); only the kind is worth a debug line here.
        logger.debug(`llm ${event.role} (${event.model}): call failed (${kind})`, {
          ...labels,
          kind,
          ...(event.recordId ? { recordId: event.recordId } : {}),
        });
        break;
      }
    }
  };

  let server: Server | undefined;
  let url: string | undefined;
  /** Called after each /metrics response (the final-scrape hold listens here). */
  const scraped = new Set<() => void>();
  const port = options.metricsPort ?? 0;
  if (port > 0) {
    const srv = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text, () => {
              for (const done of [...scraped]) done();
            });
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String(err));
          },
        );
      } else if (req.method === 'GET' && path === '/healthz') {
        const h = options.health?.() ?? { ok: true };
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: h.ok, detail: h.detail ?? null, uptimeSeconds: Math.round(process.uptime()) }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('evolflow: GET /metrics or /healthz\n');
      }
    });
    const host = options.metricsHost ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (cause: NodeJS.ErrnoException) =>
        reject(
          new EvolflowError(
            'config',
            `cannot serve metrics on ${host}:${port} (${cause.code ?? cause.message}); pick another observe.metricsPort or free the port`,
            { cause },
          ),
        ),
      );
      srv.listen(port, host, () => resolve());
    });
    srv.unref(); // never the reason a process stays alive
    server = srv;
    const bound = srv.address() as AddressInfo;
    url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound.port}`;
    logger.info(`metrics on ${url}/metrics, health on ${url}/healthz`, { url });
  }

  return {
    onRecord,
    onLlmEvent,
    setBacklog: (topic, n) => backlog.set({ topic }, n),
    setDedupSize: (n) => dedupSize.set(n),
    strategyWeights: () => guard.weights(),
    strategyHealth: () => guard.health(),
    alerts: () => alertLog,
    llmTotals: () => structuredClone(llm),
    outcomes: () => structuredClone(summary),
    metricsText: () => registry.metrics(),
    holdForScrape(maxMs) {
      if (!server || maxMs <= 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          scraped.delete(onScrape);
          resolve(ok);
        };
        const onScrape = () => done(true);
        const timer = setTimeout(() => done(false), maxMs);
        scraped.add(onScrape);
      });
    },
    url,
    registry,
    async close() {
      if (server) {
        const s = server;
        server = undefined;
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
      registry.clear();
    },
  };
}
