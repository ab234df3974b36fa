// @evolflow/observe: structured logs, Prometheus metrics, the failure-rate guard, the live progress
// view and the self-contained HTML run report.
export { createLogger, parseLogLevel, silentLogger, LOG_LEVELS } from './logger.ts';
export type { LogLevel, CreateLoggerOptions, ObserveLogger } from './logger.ts';
export { createObserver, GAUGES_NAMED_LIKE_COUNTERS } from './observer.ts';
export type { Observer, CreateObserverOptions, RunStageRecordEvent, LlmEvent, LlmTotals, OutcomeSummary } from './observer.ts';
export { createFailureGuard, MIN_SAMPLES, tooFewSamples, percentBeside, percentEdge } from './failure-guard.ts';
export type { FailureGuard, FailureGuardOptions, FailureAlert, StrategyHealth, BandState } from './failure-guard.ts';
export { createProgress, formatDuration } from './progress.ts';
export type { Progress, ProgressOptions, ProgressSnapshot, StageProgress } from './progress.ts';
export { estimateCost, roleCost, formatUsd } from './cost.ts';
export type { RolePricing, RoleTokens } from './cost.ts';
export { writeReport, writeReportWithHealth } from './report.ts';
export { readRunDir, distribution, ROLE_STAGE } from './report-data.ts';
export type { ReportData, RunJson, Distribution, SampleChain, ChainStep } from './report-data.ts';
export { renderReport, REPORT_CHARTS, healthChecks, healthWord } from './report-html.ts';
export type { HealthCheck } from './report-html.ts';
export { observeRun } from './run-observation.ts';
export type { ObserveRunOptions, RunObservation, RunSource } from './run-observation.ts';
export { observeStage } from './stage-observation.ts';
export type { ObserveStageOptions, StageObservation } from './stage-observation.ts';
