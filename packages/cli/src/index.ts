// @evolflow/cli: the `evolflow` command, and the in-process pipeline runner it is built on.
export { startPipeline, STAGE_FACTORIES, addTotals, llmTotalsOf } from './pipeline.ts';
export type { RunPipelineOptions, RunSummary, RunningPipeline, ResumedRun, LlmTotals } from './pipeline.ts';
export { startSink, lineageOf } from './sink.ts';
export type { Sink, LineageEntry } from './sink.ts';
export { formatSummary } from './summary.ts';
export { COMMANDS, invoke } from './commands/index.ts';
export type { CommandSpec, OptionSpec, OptionTable, Args } from './command.ts';
