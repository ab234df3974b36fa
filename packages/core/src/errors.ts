// The one error base of evolflow: a code from a closed union, whether a retry can help, and a cause.
// runStage decides retry versus dead letter from `retriable` alone; a `cancelled` error (a stop) is neither.

/** Every error code evolflow raises. */
export type ErrorCode =
  | 'config'
  | 'plugin'
  | 'schema'
  | 'input'
  | 'llm'
  | 'llm-rate-limit'
  | 'llm-timeout'
  | 'llm-server'
  | 'transport'
  | 'model'
  | 'internal'
  /** Work a stop (SIGINT, SIGTERM, --max-cost...) cancelled: not the record's fault, done again on resume. */
  | 'cancelled';

export interface EvolflowErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Structured facts for logs and rejected records (file, line, path, record id...). */
  details?: Record<string, unknown>;
}

/** Base error: `code` says what kind of failure, `retriable` whether trying again may succeed. */
export class EvolflowError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: EvolflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EvolflowError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** A configuration problem; `path` names the bad key (for example `llm.concurrency`). */
export class ConfigError extends EvolflowError {
  readonly problems: readonly { path: string; message: string }[];
  constructor(problems: { path: string; message: string }[], source: string) {
    const lines = problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n');
    super('config', `invalid configuration in ${source}:\n${lines}`, { details: { source } });
    this.name = 'ConfigError';
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}

/** A plugin (strategy or validator) that cannot be found or does not have the contract's shape. */
export class PluginError extends EvolflowError {
  constructor(pkg: string, message: string, cause?: unknown) {
    super('plugin', `plugin ${pkg}: ${message}`, { cause, details: { package: pkg } });
    this.name = 'PluginError';
  }
}

/** True when `err` is an evolflow error that says trying again may succeed. */
export function isRetriable(err: unknown): boolean {
  return err instanceof EvolflowError && err.retriable;
}

/**
 * True when `err` (or an error in its `cause` chain) is a cancellation by a stop (code
 * `cancelled`): the work was interrupted, not failed. A stage handler rethrows it instead of
 * rejecting its record, and runStage leaves the record uncommitted, so a resume does it again.
 */
export function isCancelled(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth += 1) {
    if (e instanceof EvolflowError && e.code === 'cancelled') return true;
  }
  return false;
}
