// The error a failed LLM call ends with, and what a listener learns of it: the HTTP status, the
// retry reason and the wait the endpoint asked for, as typed fields. Nothing downstream (the
// observer's metric labels, the run's fail-fast count) has to read them back out of a message.
import { EvolflowError, type ErrorCode, type LlmRole } from '@evolflow/core';
import type { RetryReason } from './retry.ts';

/** What a failed LLM call ended with, as data. */
export interface LlmFailure {
  role: LlmRole;
  model: string;
  /** HTTP status of the last attempt; 0 when no response came (timeout, connection refused or reset). */
  status: number;
  /** Why the last attempt was retriable (rate-limit, server-error, timeout, connection); undefined when no retry could fix it (400, 401, 404...). */
  reason: RetryReason | undefined;
  /** The wait the endpoint asked for on the last attempt (Retry-After / retry-after-ms), in ms. */
  retryAfterMs: number | undefined;
  /** Attempts made, the first one included. */
  attempts: number;
}

const FINAL_CODE: Record<RetryReason, ErrorCode> = {
  'rate-limit': 'llm-rate-limit',
  'server-error': 'llm-server',
  timeout: 'llm-timeout',
  connection: 'llm',
};

/**
 * An LLM call that failed for good (after its retries, or at once when no retry could help). Its
 * `code` is `llm-rate-limit`, `llm-server`, `llm-timeout` or `llm`; `retriable` is false, since the
 * client has already retried; the failure's fields are on the error itself.
 */
export class LlmError extends EvolflowError implements LlmFailure {
  readonly role: LlmRole;
  readonly model: string;
  readonly status: number;
  readonly reason: RetryReason | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number;

  constructor(failure: LlmFailure, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(failure.reason ? FINAL_CODE[failure.reason] : 'llm', message, {
      retriable: false,
      cause: options.cause,
      details: { role: failure.role, model: failure.model, status: failure.status, attempts: failure.attempts, ...options.details },
    });
    this.name = 'LlmError';
    this.role = failure.role;
    this.model = failure.model;
    this.status = failure.status;
    this.reason = failure.reason;
    this.retryAfterMs = failure.retryAfterMs;
    this.attempts = failure.attempts;
  }
}

/** What a call was doing when a stop cancelled it. */
export type CancelledDuring = 'retry-wait' | 'rate-limit-wait' | 'slot-wait' | 'request' | 'not-started';

/**
 * An LLM call a stop cancelled (`LlmClient.cancelWaits` / `cancel`): code `cancelled`, not
 * retriable, and not the endpoint's fault, so it is neither counted as an error nor cached. A
 * stage handler rethrows it (`isCancelled` from @evolflow/core) instead of rejecting its record;
 * runStage then leaves the record uncommitted, so a resume does it again.
 */
export class LlmCancelledError extends EvolflowError {
  readonly role: LlmRole;
  readonly model: string;
  /** What stopped the run (`SIGINT`, `SIGTERM`, `max-cost`...), as given to cancel. */
  readonly stoppedBy: string;
  readonly during: CancelledDuring;

  constructor(
    call: { role: LlmRole; model: string; recordId: string | undefined; stoppedBy: string; during: CancelledDuring },
    message: string,
  ) {
    super('cancelled', message, {
      details: { role: call.role, model: call.model, recordId: call.recordId, stoppedBy: call.stoppedBy, during: call.during },
    });
    this.name = 'LlmCancelledError';
    this.role = call.role;
    this.model = call.model;
    this.stoppedBy = call.stoppedBy;
    this.during = call.during;
  }
}

/**
 * A bounded label for a failed call, for metrics: the retry reason when there was one, else
 * `http-<status>`, else `no-response`.
 */
export function failureKind(failure: Pick<LlmFailure, 'status'> & { reason?: RetryReason | undefined }): string {
  if (failure.reason) return failure.reason;
  return failure.status > 0 ? `http-${failure.status}` : 'no-response';
}
