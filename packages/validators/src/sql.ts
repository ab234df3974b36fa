// The SQL validator: node-sql-parser, in the dialect the instruction names, else a fallback order.
import { createRequire } from 'node:module';
import { defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { fail } from './position.ts';

const require = createRequire(import.meta.url);

/** node-sql-parser's dialect names (its `database` option). */
export type SqlDialect =
  | 'mysql' | 'mariadb' | 'postgresql' | 'sqlite' | 'bigquery' | 'transactsql' | 'snowflake'
  | 'redshift' | 'hive' | 'db2' | 'athena' | 'trino' | 'flinksql';

/** Dialects tried, in order, when the instruction names none: SQLite's grammar is the quickest to parse, MySQL and PostgreSQL the broadest. */
export const SQL_FALLBACK: readonly SqlDialect[] = ['sqlite', 'mysql', 'postgresql', 'transactsql', 'bigquery', 'snowflake'];

const NAMES: readonly [RegExp, SqlDialect][] = [
  [/\bmariadb\b/i, 'mariadb'],
  [/\bmysql\b/i, 'mysql'],
  [/\bpostgre(?:s|sql)?\b|\bpsql\b|\bpg ?sql\b/i, 'postgresql'],
  [/\bsqlite3?\b/i, 'sqlite'],
  [/\bbig ?query\b/i, 'bigquery'],
  [/\bt-?sql\b|\bsql server\b|\bms ?sql\b|\btransact-sql\b/i, 'transactsql'],
  [/\bsnowflake\b/i, 'snowflake'],
  [/\bredshift\b/i, 'redshift'],
  [/\bhive ?(?:ql|sql)?\b/i, 'hive'],
  [/\bdb2\b/i, 'db2'],
  [/\bathena\b/i, 'athena'],
  [/\btrino\b|\bpresto\b/i, 'trino'],
  [/\bflink ?sql\b/i, 'flinksql'],
];

/** The SQL dialect an instruction names ("a PostgreSQL query", "in SQLite"), if any. */
export function sqlDialectOf(instruction: string | undefined): SqlDialect | undefined {
  if (!instruction) return undefined;
  for (const [re, dialect] of NAMES) if (re.test(instruction)) return dialect;
  return undefined;
}

interface SqlParser {
  astify(sql: string, opt?: { database?: string }): unknown;
}
const parsers = new Map<SqlDialect, SqlParser>();

/** One parser per dialect, loaded on first use from the dialect's own build (small and fast to load). */
function parserFor(dialect: SqlDialect): SqlParser {
  let parser = parsers.get(dialect);
  if (!parser) {
    const mod = require(`node-sql-parser/build/${dialect}.js`) as { Parser: new () => SqlParser };
    parser = new mod.Parser();
    parsers.set(dialect, parser);
  }
  return parser;
}

interface SqlAttempt {
  dialect: SqlDialect;
  message: string;
  offset: number;
  line?: number;
  column?: number;
}

/** Try one dialect; undefined when the text parses. */
export function parseSql(text: string, dialect: SqlDialect): SqlAttempt | undefined {
  try {
    parserFor(dialect).astify(text, { database: dialect });
    return undefined;
  } catch (cause) {
    const e = cause as { message?: string; location?: { start?: { offset: number; line: number; column: number } } };
    const start = e.location?.start;
    const message = shorten(e.message ?? String(cause));
    return start ? { dialect, message, offset: start.offset, line: start.line, column: start.column } : { dialect, message, offset: -1 };
  }
}

/** node-sql-parser lists every token it expected; keep the message readable. */
function shorten(message: string): string {
  const m = /^Expected (.*) but (.*) found\.?$/s.exec(message);
  if (!m || m[1] === undefined) return message;
  const expected = m[1].split(/, (?:or )?| or /);
  const head = expected.length > 6 ? `${expected.slice(0, 6).join(', ')}... (${expected.length} in all)` : expected.join(', ');
  return `unexpected ${m[2]}; expected ${head}`;
}

/**
 * Unbalanced parentheses or an unterminated quote: invalid in every dialect, so a query that already
 * failed in the first dialect need not be tried in the others. Undefined when balanced.
 */
export function unbalancedSql(text: string): SqlAttempt | undefined {
  const opens: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "'" || c === '"' || c === '`') {
      let k = i + 1;
      while (k < text.length && !(text[k] === c && text[k + 1] !== c)) k += text[k] === c || text[k] === '\\' ? 2 : 1;
      if (k >= text.length) return attemptAt(text, i, `unterminated ${c === "'" ? 'string' : 'quoted identifier'} starting with ${c}`);
      i = k;
    } else if (c === '(') opens.push(i);
    else if (c === ')' && opens.pop() === undefined) return attemptAt(text, i, 'unbalanced ")": no "(" to close');
  }
  const open = opens.pop();
  return open === undefined ? undefined : attemptAt(text, open, 'unbalanced "(": it is never closed');
}

function attemptAt(text: string, offset: number, message: string): SqlAttempt {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { dialect: 'mysql', message, offset, line, column: offset - before.lastIndexOf('\n') };
}

/** Creates the SQL validator; `ctx.hints.dialect` or a dialect named in `ctx.instruction` is used alone. */
export function sqlValidator(): Validator {
  return defineValidator({
    name: 'sql',
    formats: ['sql'],
    reason: 'invalid-sql',
    validate(text, ctx): ValidationResult {
      const hinted = ctx.hints?.dialect;
      const named = typeof hinted === 'string' ? (hinted as SqlDialect) : sqlDialectOf(ctx.instruction);
      const dialects = named ? [named] : SQL_FALLBACK;
      let best: SqlAttempt | undefined;
      for (const dialect of dialects) {
        const attempt = parseSql(text, dialect);
        if (!attempt) return { ok: true, format: `sql:${dialect}` };
        if (!best || attempt.offset > best.offset) best = attempt;
        const lexical = dialects.length > 1 ? unbalancedSql(text) : undefined;
        if (lexical) {
          best = { ...lexical, dialect };
          break;
        }
      }
      const b = best as SqlAttempt;
      const which = named ? `${named} (named in the instruction)` : `any of ${dialects.join(', ')}`;
      return fail(`sql:${b.dialect}`, `invalid SQL in ${which}: ${b.message}`, { line: b.line, column: b.column });
    },
  });
}
