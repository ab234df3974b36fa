// Structured logs: a pino logger behind the core `Logger` contract, one JSON line per event worth
// keeping, with the record id as a field (`recordId`) so a run's log can be grepped per record.
// Every message and field passes the core redaction first: no key or URL credential reaches a log line.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { EvolflowError, redactDeep, redactText, type Logger } from '@evolflow/core';

/** Levels `--log-level` accepts. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

export interface CreateLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** A stream, or a file path (appended to, folders created); default: standard error. */
  destination?: NodeJS.WritableStream | string;
  /** Fields added to every line (for example `{ stage: 'evolve' }` in a stage service). */
  bindings?: Record<string, unknown>;
}

/** The core `Logger` plus what a host needs: child loggers with bound fields, and a flush at exit. */
export interface ObserveLogger extends Logger {
  readonly level: LogLevel;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): ObserveLogger;
  /** Write out anything buffered (call before the process exits). */
  flush(): void;
}

/** Throws a `config` error naming the flag when `value` is not a level. */
export function parseLogLevel(value: string, where = '--log-level'): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new EvolflowError('config', `${where}: "${value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
}

function wrap(p: PinoLogger, level: LogLevel): ObserveLogger {
  const at = (fn: 'debug' | 'info' | 'warn' | 'error') => (msg: string, obj?: Record<string, unknown>) => {
    if (obj === undefined) p[fn](redactText(msg));
    else p[fn](redactDeep(obj), redactText(msg));
  };
  return {
    level,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (bindings) => wrap(p.child(redactDeep(bindings)), level),
    flush: () => p.flush(),
  };
}

/** Create a JSON-lines logger (pino). Lines carry `level` as a label, `time` as ISO text, `msg`. */
export function createLogger(options: CreateLoggerOptions = {}): ObserveLogger {
  const level = options.level ?? 'info';
  let destination: DestinationStream;
  if (typeof options.destination === 'string')
    destination = pino.destination({ dest: options.destination, sync: true, mkdir: true, append: true });
  else destination = (options.destination ?? pino.destination({ dest: 2, sync: true })) as DestinationStream;
  const p = pino(
    {
      level,
      base: options.bindings ? redactDeep(options.bindings) : null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(p, level);
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: ObserveLogger = {
  level: 'silent',
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  flush: () => undefined,
};
