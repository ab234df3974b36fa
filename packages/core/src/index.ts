// @evolflow/core: the record, the pipeline manifest, plugin contracts, config, errors.
export { EvolflowError, ConfigError, PluginError, isCancelled, isRetriable } from './errors.ts';
export type { ErrorCode, EvolflowErrorOptions } from './errors.ts';
export {
  recordSchema,
  recordProblems,
  assertRecord,
  decodeRecord,
  seedRecordId,
  childRecordId,
  snapshotOf,
  requeueParent,
  addUsage,
  zeroUsage,
} from './record.ts';
export type { EvolRecord, Check, LineageStep, ParentSnapshot, Usage, SourceRef, ReasonCode } from './record.ts';
export { PIPELINE, TOPICS, DLQ, stageSpec, stageGroup } from './manifest.ts';
export type { TopicName, StageSpec, StageName } from './manifest.ts';
export { defineStrategy, defineValidator } from './contracts.ts';
export { rejectChild } from './reject.ts';
export type {
  Logger,
  ChatMessage,
  LlmRole,
  LlmCompletion,
  LlmRequestOptions,
  LlmCaller,
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
  Emit,
  StageHandler,
  StageFactory,
  StageEnv,
  StateLog,
  StateLogName,
  StateEntry,
} from './contracts.ts';
export { DEFAULT_CONFIG, configSchema, loadConfig, configFromEnv, configProblems, mergeDeep, SQL_DIALECT_SETTINGS } from './config.ts';
export type { Config, RoleConfig, LoadConfigOptions, SqlDialectSetting } from './config.ts';
export { loadStrategy, loadValidator, pluginPackage } from './plugins.ts';
export { STRATEGY_PACKS, PACK_NAMES, expandPacks } from './packs.ts';
export type { StrategyPack } from './packs.ts';
export type { LoadPluginOptions } from './plugins.ts';
export { normalizeText, words, wordCount, hashText, taskText } from './text.ts';
export { findMeta, stripLeadingMeta } from './meta.ts';
export type { MetaHit } from './meta.ts';
export { findRefusal } from './refusal.ts';
export type { RefusalHit, RefusalOptions } from './refusal.ts';
export { looksLikeTask } from './task.ts';
export { seededRandom, pickWeighted } from './random.ts';
export { seedFields, seedRecord, decodeMessage } from './seed-format.ts';
export { redactText, redactUrl, redactDeep, registerSecret, registerSecretsOf, REDACTED } from './redact.ts';
export type { SeedFields } from './seed-format.ts';
export { inDepthMessages, parseRewrite, withoutSolution } from './strategy-kit.ts';
export type { InDepthOptions } from './strategy-kit.ts';
