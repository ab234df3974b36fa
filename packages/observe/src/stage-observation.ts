// What a stage service (one stage per process, `serveStage`) needs to be watched: an observer with
// GET /metrics and GET /healthz on `observe.metricsPort`, its stage's live counts as gauges, the
// backlog of the topics it consumes, and a health that turns 503 once the stage is stopping.
import { stageSpec, type Config, type Logger, type StageName, type TopicName } from '@evolflow/core';
import type { StageStats } from '@evolflow/transport';
import { createObserver, type Observer, type RunStageRecordEvent } from './observer.ts';

export interface ObserveStageOptions {
  config: Readonly<Config>;
  logger: Logger;
  stage: StageName;
  /** Overrides `config.observe.metricsPort`. */
  metricsPort?: number;
  /** `Transport.backlog`, polled for the stage's input topics. */
  backlog?(topic: TopicName): Promise<number>;
  /** Between backlog polls (default 5 s). */
  pollMs?: number;
}

export interface StageObservation {
  observer: Observer;
  /** For `runStage` (`onRecord`) and the stage env (`strategyWeights`, when `observe.adaptive` is on). */
  hooks: { onRecord(event: RunStageRecordEvent): void; strategyWeights?(): Readonly<Record<string, number>> };
  /** Hand over the running stage's live counts. */
  attach(stats: StageStats): void;
  /** From now on /healthz answers 503 (the stage is draining). */
  stopping(): void;
  close(): Promise<void>;
}

/** Set up the observer of one stage process. */
export async function observeStage(options: ObserveStageOptions): Promise<StageObservation> {
  const { config, stage } = options;
  const spec = stageSpec(stage);
  let stats: StageStats | undefined;
  let draining = false;
  const observer = await createObserver({
    config,
    logger: options.logger,
    strategies: config.strategies.enabled,
    metricsPort: options.metricsPort ?? config.observe.metricsPort,
    stages: () => (stats ? [stats] : []),
    health: () => ({
      ok: stats !== undefined && !draining,
      detail: {
        stage,
        state: draining ? 'stopping' : stats ? 'running' : 'starting',
        ...(stats ? { in: stats.in, inFlight: stats.inFlight } : {}),
      },
    }),
  });
  let poll: NodeJS.Timeout | undefined;
  if (options.backlog) {
    const backlog = options.backlog;
    poll = setInterval(() => {
      for (const t of spec.consumes)
        backlog(t).then(
          (n) => observer.setBacklog(t, n),
          () => undefined,
        );
    }, options.pollMs ?? 5000);
    poll.unref();
  }
  return {
    observer,
    hooks: { onRecord: observer.onRecord, ...(config.observe.adaptive ? { strategyWeights: observer.strategyWeights } : {}) },
    attach(s) {
      stats = s;
    },
    stopping() {
      draining = true;
    },
    async close() {
      if (poll) clearInterval(poll);
      await observer.close();
    },
  };
}
