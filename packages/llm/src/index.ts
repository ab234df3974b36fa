// @evolflow/llm: the OpenAI-compatible LLM client (concurrency, rate limits, retries, cache, usage).
export { createLlmClient, estimateTokens } from './client.ts';
export type { LlmClient, LlmClientOptions, LlmEvent } from './client.ts';
export type { LlmUsage, RoleUsage } from './usage.ts';
export { cacheKey } from './cache.ts';
export type { CacheKeyParts } from './cache.ts';
export { backoffDelay, parseRetryAfter } from './retry.ts';
export { LlmCancelledError, LlmError, failureKind } from './errors.ts';
export type { CancelledDuring, LlmFailure } from './errors.ts';
export type { RetryReason } from './retry.ts';
