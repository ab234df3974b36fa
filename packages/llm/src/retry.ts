// When and how long to wait before trying an LLM request again: failure classification,
// Retry-After parsing, and exponential backoff with full jitter.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

/** Why an attempt may be retried; undefined for failures a retry cannot fix (400, 401, 404...). */
export type RetryReason = 'rate-limit' | 'server-error' | 'timeout' | 'connection';

/** One failed attempt, as the retry loop sees it. */
export interface AttemptFailure {
  /** HTTP status; 0 when no response came (timeout, connection). */
  status: number;
  reason: RetryReason | undefined;
  /** The wait the endpoint asked for (Retry-After / retry-after-ms), in ms. */
  retryAfterMs: number | undefined;
  message: string;
}

/**
 * Read how long the endpoint asks us to wait: `retry-after-ms` (milliseconds), else `Retry-After`
 * as seconds or as an HTTP date (compared with `wallNow`, ms since the epoch).
 */
export function parseRetryAfter(headers: Pick<Headers, 'get'> | undefined, wallNow: number): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const raw = headers.get('retry-after');
  if (raw === null || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - wallNow);
}

/** Sort an error thrown by the openai SDK into a status and a retry reason. */
export function classifyFailure(error: unknown, wallNow: number): AttemptFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof APIConnectionTimeoutError) return { status: 0, reason: 'timeout', retryAfterMs: undefined, message };
  if (error instanceof APIConnectionError) return { status: 0, reason: 'connection', retryAfterMs: undefined, message };
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryAfterMs = parseRetryAfter(error.headers, wallNow);
    let reason: RetryReason | undefined;
    if (status === 429) reason = 'rate-limit';
    else if (status === 408) reason = 'timeout';
    else if (status >= 500) reason = 'server-error';
    return { status, reason, retryAfterMs, message };
  }
  return { status: 0, reason: undefined, retryAfterMs: undefined, message };
}

export interface BackoffOptions {
  /** 0 for the first retry, 1 for the second... */
  retry: number;
  baseMs: number;
  maxMs: number;
  /** Uniform in [0, 1). */
  random(): number;
  /** A wait the endpoint asked for; the delay is never shorter. */
  retryAfterMs?: number | undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^retry)), at least Retry-After. */
export function backoffDelay(options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** options.retry);
  const jittered = Math.floor(options.random() * ceiling);
  return Math.max(jittered, Math.ceil(options.retryAfterMs ?? 0));
}
