// Everything `evolflow run` needs to be watched, in one place: the structured logger, the observer
// (metrics endpoint, failure guard, adaptive weights), the live progress view, the backlog poll,
// and at the end the final metrics file and the HTML report in the run directory.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOPICS, type Config, type TopicName } from '@evolflow/core';
import type { StageStats } from '@evolflow/transport';
import { createLogger, type LogLevel, type ObserveLogger } from './logger.ts';
import { percentBeside, percentEdge } from './failure-guard.ts';
import { createObserver, type Observer, type RunStageRecordEvent } from './observer.ts';
import { createProgress, type Progress } from './progress.ts';
import { writeReportWithHealth } from './report.ts';

/** What the view reads from the running pipeline. */
export interface RunSource {
  stages(): readonly StageStats[];
  /** Records in a terminal state and the total a finite run expects. */
  progress(): { terminal: number; expected: number };
  /** The LLM client's totals (`LlmClient.usage()`). */
  usage(): {
    calls: number;
    promptTokens: number;
    completionTokens: number;
    byRole: Readonly<Record<string, { promptTokens: number; completionTokens: number }>>;
  };
  /** Messages of a topic not yet committed (`Transport.backlog`). */
  backlog?(topic: TopicName): Promise<number>;
}

export interface ObserveRunOptions {
  config: Readonly<Config>;
  /** The run directory (logs go to `<outDir>/evolflow.log` while the progress view owns the terminal). */
  outDir: string;
  logLevel?: LogLevel;
  /** Overrides `config.observe.metricsPort`. */
  metricsPort?: number;
  /** Where the progress view draws (default standard error); `false` for no view. */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream | false;
  /** Redraw in place (default: the stream's `isTTY`). */
  tty?: boolean;
}

export interface RunObservation {
  logger: ObserveLogger;
  observer: Observer;
  /** Where logs go: a file path, or `stderr`. */
  logDestination: string;
  /** Hooks for `startPipeline`: `onRecord`, and `strategyWeights` when `observe.adaptive` is on. */
  hooks: { onRecord(event: RunStageRecordEvent): void; strategyWeights?(): Readonly<Record<string, number>> };
  /** Start the progress view and the backlog poll on a started pipeline. */
  attach(source: RunSource): void;
  /** Stop the view (printing its final state), write `metrics.prom` and `report.html` into `outDir`; resolves to the report's path. */
  finish(outDir?: string): Promise<string | undefined>;
  /** After `finish`: the report's health checks in one word ("healthy", "look", "problem"). */
  readonly health: string | undefined;
  /** Stop everything; when `/metrics` is served, first wait for one more scrape (`observe.finalScrapeMs`). */
  close(): Promise<void>;
}

/** Set up the logger, observer and progress view of one run. */
export async function observeRun(options: ObserveRunOptions): Promise<RunObservation> {
  const { config } = options;
  const stream = options.stream === undefined ? process.stderr : options.stream;
  const tty = stream !== false && (options.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY));
  // On a terminal the view redraws in place, so log lines would tear it: they go to a file instead.
  const logDestination = tty ? join(options.outDir, 'evolflow.log') : 'stderr';
  const logger = createLogger({ level: options.logLevel ?? config.observe.logLevel, ...(tty ? { destination: logDestination } : {}) });
  let source: RunSource | undefined;
  const observer = await createObserver({
    config,
    logger,
    strategies: config.strategies.enabled,
    metricsPort: options.metricsPort ?? config.observe.metricsPort,
    stages: () => source?.stages() ?? [],
    health: () => ({ ok: true, detail: source ? source.progress() : { starting: true } }),
  });
  const started = Date.now();
  let progress: Progress | undefined;
  let poll: NodeJS.Timeout | undefined;
  const band = config.observe.failureBand;

  const outOfBand = () =>
    Object.entries(observer.strategyHealth()).filter(
      ([, h]) => h.judged !== undefined && (h.state === 'too-high' || h.state === 'too-low'),
    );
  const noteOf = ([s, h]: ReturnType<typeof outOfBand>[number]) => {
    const j = h.judged ?? { rate: 0, samples: 0, failed: 0 };
    const edge = h.state === 'too-high' ? band.high : band.low;
    return `strategy ${s}: ${j.failed} of its ${h.state === 'too-high' ? 'last ' : ''}${j.samples} evolutions failed (${percentBeside(j.rate, edge)}, ${h.state === 'too-high' ? 'above' : 'below'} ${percentEdge(edge)})`;
  };

  let health: string | undefined;
  /** A finished run's last values would be lost between two scrapes: keep /metrics up for one more. */
  const holdForFinalScrape = async () => {
    const wait = config.observe.finalScrapeMs;
    if (!observer.url || wait <= 0) return;
    logger.info(`waiting up to ${wait / 1000} s for a final scrape of ${observer.url}/metrics (observe.finalScrapeMs; 0 leaves at once)`, {
      url: observer.url,
    });
    const scraped = await observer.holdForScrape(wait);
    logger.info(scraped ? 'final metrics scraped' : `no scrape came within ${wait / 1000} s; the final values are in metrics.prom`, {
      scraped,
    });
  };

  return {
    get health() {
      return health;
    },
    logger,
    observer,
    logDestination,
    hooks: { onRecord: observer.onRecord, ...(config.observe.adaptive ? { strategyWeights: observer.strategyWeights } : {}) },
    attach(src) {
      source = src;
      if (stream !== false) {
        progress = createProgress({
          stream,
          tty,
          pricing: config.llm.roles,
          snapshot: () => {
            const u = src.usage();
            const p = src.progress();
            const bad = outOfBand();
            return {
              stages: src
                .stages()
                .map((s) => ({ stage: s.stage, in: s.in, out: s.out + s.absorbed, rejected: s.rejected, inFlight: s.inFlight })),
              terminal: p.terminal,
              expected: p.expected,
              llm: { calls: u.calls, promptTokens: u.promptTokens, completionTokens: u.completionTokens, byRole: u.byRole },
              elapsedMs: Date.now() - started,
              ...(config.observe.adaptive ? { weights: observer.strategyWeights(), outOfBand: bad.map(([s]) => s) } : {}),
              notes: bad.map(noteOf),
            };
          },
        });
        progress.start();
      }
      if (src.backlog) {
        const backlog = src.backlog.bind(src);
        const topics = TOPICS.filter((t) => t !== 'dlq');
        poll = setInterval(() => {
          for (const t of topics)
            backlog(t).then(
              (n) => observer.setBacklog(t, n),
              () => undefined,
            );
        }, 2000);
        poll.unref();
      }
    },
    async finish(outDir = options.outDir) {
      if (poll) clearInterval(poll);
      poll = undefined;
      progress?.stop();
      progress = undefined;
      await writeFile(join(outDir, 'metrics.prom'), await observer.metricsText());
      let report: string | undefined;
      try {
        const written = await writeReportWithHealth(outDir);
        report = written.path;
        health = written.health;
        logger.info(`report written to ${report}: health ${health}`, { path: report, health, checks: written.checks });
      } catch (err) {
        logger.error(`could not write the report of ${outDir}: ${(err as Error).message}; run 'evolflow report ${outDir}' to retry`, {});
      }
      return report;
    },
    async close() {
      if (poll) clearInterval(poll);
      progress?.stop();
      await holdForFinalScrape();
      await observer.close();
      logger.flush();
    },
  };
}
