// A plain leveled logger writing one JSON line per event to stderr (the fallback when no
// structured logger is handed in). Messages and fields are redacted (no keys, no URL credentials).
import { redactDeep, redactText, type Logger } from '@evolflow/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function jsonLogger(level: LogLevel = 'info', stream: NodeJS.WritableStream = process.stderr): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, obj?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    stream.write(
      `${JSON.stringify({ level: lvl, time: new Date().toISOString(), msg: redactText(msg), ...(obj ? redactDeep(obj) : {}) })}\n`,
    );
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
