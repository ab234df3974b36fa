// One way to build and start a stage, shared by the all-in-one run (`evolflow run`) and a stage's
// own process (`serveStage`): the same env for the service's `create`, and its handler on the
// shared runStage loop with the config's concurrency, attempts and consumer-group prefix.
import type { Config, LlmCaller, Logger, StageEnv, StageHandler } from '@evolflow/core';
import { runStage, stateLogsOf, type RunningStage, type RunStageOptions, type Transport } from '@evolflow/transport';

export interface StageEnvOptions {
  config: Readonly<Config>;
  logger: Logger;
  llm: LlmCaller;
  transport: Transport;
  /** Folder relative paths (plugins, eval sets, snapshots) resolve from (default the process's). */
  cwd?: string;
  /** The run's output folder (default config.run.outDir). */
  outDir?: string;
  strategyWeights?: StageEnv['strategyWeights'];
}

/** The env every stage factory gets, built the same way wherever the stage runs. */
export function stageEnv(options: StageEnvOptions): StageEnv {
  const { config, logger, llm, transport, strategyWeights } = options;
  return {
    config,
    logger,
    llm,
    cwd: options.cwd ?? process.cwd(),
    outDir: options.outDir ?? config.run.outDir,
    ...stateLogsOf(transport),
    ...(strategyWeights ? { strategyWeights } : {}),
  };
}

export interface StartStageOptions {
  config: Readonly<Config>;
  logger: Logger;
  transport: Transport;
  onRecord?: RunStageOptions<unknown>['onRecord'];
}

/** Start `stage` consuming its manifest topics. The mixer runs one record at a time: its batches depend on arrival order otherwise. */
export function startStage(stage: StageHandler<unknown>, options: StartStageOptions): Promise<RunningStage> {
  const { config, logger, transport, onRecord } = options;
  return runStage({
    handler: stage,
    ctx: undefined,
    transport,
    logger,
    groupPrefix: config.transport.kafka.prefix,
    concurrency: stage.name === 'mix' ? 1 : config.stages.concurrency,
    maxAttempts: config.stages.maxAttempts,
    ...(onRecord ? { onRecord } : {}),
  });
}
