// @evolflow/core/plugin: the narrow entry a strategy or validator plugin imports, and the only one
// of ours it may (eslint.config.js and .dependency-cruiser.cjs enforce it). It holds the plugin
// contracts, defineStrategy / defineValidator, the strategy kit and the one error a plugin throws;
// its module graph reaches no schema compiler and no config parser (no ajv, no yaml: a test checks).
export { defineStrategy, defineValidator } from './contracts.ts';
export type {
  Logger,
  ChatMessage,
  StrategyContext,
  EvolutionPrompt,
  ParsedEvolution,
  Strategy,
  StrategyFactory,
  ValidationIssue,
  ValidationResult,
  ValidatorContext,
  Validator,
  ValidatorFactory,
} from './contracts.ts';
export type { EvolRecord, LineageStep, ParentSnapshot, Usage, ReasonCode } from './record.ts';
export { PluginError } from './errors.ts';
export { taskText } from './text.ts';
export { inDepthMessages, parseRewrite, withoutSolution } from './strategy-kit.ts';
export type { InDepthOptions } from './strategy-kit.ts';
