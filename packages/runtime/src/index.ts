// @evolflow/runtime: what every stage process shares.
export { jsonLogger } from './logger.ts';
export type { LogLevel } from './logger.ts';
export { createTransport, setupLlm } from './setup.ts';
export type { LlmSetup } from './setup.ts';
export { serveStage, flagsToOverrides, CONFIG_FLAGS } from './serve.ts';
export type { ServeStageOptions } from './serve.ts';
export { startStage, stageEnv } from './start-stage.ts';
export type { StartStageOptions, StageEnvOptions } from './start-stage.ts';
