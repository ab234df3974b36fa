// Usage accounting for one client: HTTP calls, cache hits, retries, errors and tokens, per role.
import type { LlmRole } from '@evolflow/core';

/** One role's totals. */
export interface RoleUsage {
  /** HTTP requests sent (every attempt, retries included). */
  calls: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
}

/** Totals for the run. Tokens count only answers paid for; cache hits add to `saved` instead. */
export interface LlmUsage {
  /** HTTP requests sent (every attempt, retries included). */
  calls: number;
  /** Answers served from the cache or shared with an identical in-flight request. */
  cacheHits: number;
  /** Attempts that were retries of a failed one. */
  retries: number;
  /** `complete` calls that failed for good. */
  errors: number;
  promptTokens: number;
  completionTokens: number;
  byRole: Record<LlmRole, RoleUsage>;
  /** Tokens the cache hits would have cost. */
  saved: { promptTokens: number; completionTokens: number };
}

export interface UsageMeter {
  call(role: LlmRole, promptTokens: number, completionTokens: number): void;
  hit(role: LlmRole, promptTokens: number, completionTokens: number): void;
  retry(): void;
  error(): void;
  snapshot(): LlmUsage;
}

const zeroRole = (): RoleUsage => ({ calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 });

export function createUsageMeter(): UsageMeter {
  const totals = { calls: 0, cacheHits: 0, retries: 0, errors: 0, promptTokens: 0, completionTokens: 0 };
  const saved = { promptTokens: 0, completionTokens: 0 };
  const byRole: Record<LlmRole, RoleUsage> = { evolver: zeroRole(), responder: zeroRole(), judge: zeroRole() };
  return {
    call(role, promptTokens, completionTokens) {
      for (const t of [totals, byRole[role]]) {
        t.calls += 1;
        t.promptTokens += promptTokens;
        t.completionTokens += completionTokens;
      }
    },
    hit(role, promptTokens, completionTokens) {
      totals.cacheHits += 1;
      byRole[role].cacheHits += 1;
      saved.promptTokens += promptTokens;
      saved.completionTokens += completionTokens;
    },
    retry() {
      totals.retries += 1;
    },
    error() {
      totals.errors += 1;
    },
    snapshot() {
      return {
        ...totals,
        byRole: { evolver: { ...byRole.evolver }, responder: { ...byRole.responder }, judge: { ...byRole.judge } },
        saved: { ...saved },
      };
    },
  };
}
