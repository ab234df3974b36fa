// The SQL validator. A text is SQL when every statement opens with a statement keyword and the whole
// parses (node-sql-parser) in a dialect that is named (a hint: fence tag, config or CLI; else the
// instruction) or detected from the text's telltale syntax, else in sqlite, mysql or postgresql.
// There is no permissive fallback: T-SQL's grammar reads "good morning" as an assignment, so it is
// tried only when named or detected, and a bare-word assignment is rejected even then.
import { createRequire } from 'node:module';
import { EvolflowError, defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { editDistance } from './edit-distance.ts';
import { fail, positionAt } from './position.ts';

const require = createRequire(import.meta.url);

/** node-sql-parser's dialect names (its `database` option). */
export type SqlDialect =
  | 'mysql'
  | 'mariadb'
  | 'postgresql'
  | 'sqlite'
  | 'bigquery'
  | 'transactsql'
  | 'snowflake'
  | 'redshift'
  | 'hive'
  | 'db2'
  | 'athena'
  | 'trino'
  | 'flinksql';

/** Every dialect node-sql-parser reads. */
export const SQL_DIALECTS: readonly SqlDialect[] = [
  'mysql',
  'mariadb',
  'postgresql',
  'sqlite',
  'bigquery',
  'transactsql',
  'snowflake',
  'redshift',
  'hive',
  'db2',
  'athena',
  'trino',
  'flinksql',
];

/**
 * Dialects tried, in order, when none is named or detected: SQLite's grammar is the quickest to
 * parse, MySQL and PostgreSQL take what node-sql-parser's sqlite grammar lacks (INTERSECT, EXCEPT).
 * Not transactsql, bigquery or snowflake: their grammars accept prose ("good morning", "delete
 * everything now").
 */
export const SQL_FALLBACK: readonly SqlDialect[] = ['sqlite', 'mysql', 'postgresql'];

const NAMES: readonly [RegExp, SqlDialect][] = [
  [/\bmariadb\b/i, 'mariadb'],
  [/\bmysql\b/i, 'mysql'],
  [/\bpostgre(?:s|sql)?\b|\bpsql\b|\bpg ?sql\b/i, 'postgresql'],
  [/\bsqlite3?\b/i, 'sqlite'],
  [/\bbig ?query\b/i, 'bigquery'],
  [/\bt-?sql\b|\bsql server\b|\bms ?sql\b|\btransact-?sql\b/i, 'transactsql'],
  [/\bsnowflake\b/i, 'snowflake'],
  [/\bredshift\b/i, 'redshift'],
  [/\bhive ?(?:ql|sql)?\b/i, 'hive'],
  [/\bdb2\b/i, 'db2'],
  [/\bathena\b/i, 'athena'],
  [/\btrino\b|\bpresto\b/i, 'trino'],
  [/\bflink ?sql\b/i, 'flinksql'],
];

/** The SQL dialect a text names ("a PostgreSQL query", "in SQLite", a fence tag `tsql`), if any. */
export function sqlDialectOf(instruction: string | undefined): SqlDialect | undefined {
  if (!instruction) return undefined;
  for (const [re, dialect] of NAMES) if (re.test(instruction)) return dialect;
  return undefined;
}

/** Syntax only one dialect family writes; matched on the text with its strings and comments blanked. */
const TELLTALES: readonly [RegExp, SqlDialect][] = [
  [
    /\bSELECT\s+(?:DISTINCT\s+)?TOP\s*\(?\s*\d|\bDECLARE\s+@|@@\w|\bGETDATE\s*\(|\bNVARCHAR\b|\bIDENTITY\s*\(|\bISNULL\s*\(\s*[^,()]+,|\bOUTPUT\s+INSERTED\./i,
    'transactsql',
  ],
  [/\bSAFE_CAST\s*\(|\bSAFE_DIVIDE\s*\(|\b(?:STRUCT|ARRAY)\s*<|`[\w-]+\.[\w-]+\.[\w-]+`|\bEXCEPT\s*\(\s*\w+\s*(?:,|\))/i, 'bigquery'],
  [/\bQUALIFY\b|\bLATERAL\s+FLATTEN\s*\(|\bVARIANT\b|\bIFF\s*\(/i, 'snowflake'],
  [/::\s*[a-z]|\bILIKE\b|\bRETURNING\b|\bSERIAL\b|\$\d+\b|\bDISTINCT\s+ON\s*\(/i, 'postgresql'],
  [/\bAUTO_INCREMENT\b|\bENGINE\s*=|\bUNSIGNED\b|\bON\s+DUPLICATE\s+KEY\b/i, 'mysql'],
];

/** The dialect a query's own syntax gives away (`TOP 5`, `x::int`, `AUTO_INCREMENT`...), if any. */
export function detectSqlDialect(text: string): SqlDialect | undefined {
  const code = blankLiterals(text);
  for (const [re, dialect] of TELLTALES) if (re.test(code)) return dialect;
  return undefined;
}

/**
 * Words a statement may open with (after comments and opening parentheses). A statement that opens
 * with another word is not SQL in any dialect we check, whatever a grammar makes of it.
 */
export const SQL_STATEMENT_KEYWORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'WITH',
  'VALUES',
  'TABLE',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'MERGE',
  'UPSERT',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'RENAME',
  'COMMENT',
  'GRANT',
  'REVOKE',
  'USE',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXPLAIN',
  'ANALYZE',
  'VACUUM',
  'REINDEX',
  'PRAGMA',
  'ATTACH',
  'DETACH',
  'SET',
  'DECLARE',
  'EXEC',
  'EXECUTE',
  'CALL',
  'BEGIN',
  'START',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'END',
  'LOCK',
  'UNLOCK',
  'IF',
  'WHILE',
  'RETURN',
  'PRINT',
  'GO',
  'COPY',
  'LOAD',
  'OPTIMIZE',
  'PREPARE',
  'DEALLOCATE',
  'FETCH',
  'OPEN',
  'CLOSE',
  'LISTEN',
  'NOTIFY',
  'REFRESH',
]);

/** SQLite's keywords (sqlite.org/lang_keywords.html, 147 words): any other word is an identifier to SQLite. */
const SQLITE_KEYWORDS: ReadonlySet<string> = new Set(
  `ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH
AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH
DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR
FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT
INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL
NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE
RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT
SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES
VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`.split(/\s+/),
);

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

const LITERAL =
  /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^'\\]|''|\\[\s\S])*(?:'|$)|"(?:[^"\\]|""|\\[\s\S])*(?:"|$)|`(?:[^`\\]|``|\\[\s\S])*(?:`|$)/g;
let lastText: string | undefined;
let lastCode = '';

/**
 * Strings, quoted identifiers and comments replaced by spaces (same length, line breaks kept; quotes
 * stay so patterns still see that something was quoted), so patterns see only code. The last
 * result is kept: the checks on one piece all ask for the same text.
 */
function blankLiterals(text: string): string {
  if (text === lastText) return lastCode;
  lastCode = text.replace(LITERAL, (m) => {
    const q = m[0] as string;
    const closed = (q === "'" || q === '"' || q === '`') && m.length > 1 && m.endsWith(q);
    return closed ? q + m.slice(1, -1).replace(/[^\n]/g, ' ') + q : m.replace(/[^\n]/g, ' ');
  });
  lastText = text;
  return lastCode;
}

/** The first word of each statement (split at `;` outside literals), with its offset. */
function statementHeads(text: string): { word: string; offset: number }[] {
  const code = blankLiterals(text);
  const heads: { word: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i <= code.length; i++) {
    if (i < code.length && code[i] !== ';') continue;
    const chunk = code.slice(start, i);
    const lead = /^[\s(]*/.exec(chunk)?.[0].length ?? 0;
    if (lead < chunk.length) {
      const word = /^[A-Za-z_][\w$]*/.exec(chunk.slice(lead))?.[0] ?? chunk.slice(lead).trim().split(/\s/)[0] ?? '';
      heads.push({ word, offset: start + lead });
    }
    start = i + 1;
  }
  return heads;
}

/** A statement that opens with a word no SQL statement opens with (prose, "SELCT"); undefined when all open with a keyword. */
export function missingStatementKeyword(text: string): SqlAttempt | undefined {
  const heads = statementHeads(text);
  if (heads.length === 0)
    return { dialect: 'sqlite', message: 'no SQL statement: the text is empty or only comments', offset: 0, ...positionAt(text, 0) };
  for (const { word, offset } of heads) {
    const upper = word.toUpperCase();
    if (SQL_STATEMENT_KEYWORDS.has(upper)) continue;
    // A near miss of a keyword ("SELCT", "UPDTE") is named; short words ("list", "good") are just prose.
    const near =
      upper.length >= 5
        ? [...SQL_STATEMENT_KEYWORDS].find((k) => k[0] === upper[0] && editDistance(upper, k) <= (k.length >= 6 ? 2 : 1))
        : undefined;
    const shown = JSON.stringify(word.length > 30 ? `${word.slice(0, 30)}...` : word);
    const message = `a statement must open with a SQL keyword (SELECT, WITH, INSERT, UPDATE, DELETE, CREATE...), not ${shown}${near ? ` (misspelt ${near}?)` : ''}`;
    return { dialect: 'sqlite', message, offset, ...positionAt(text, offset) };
  }
  return undefined;
}

/** Words no statement can end with: they need something after them (a cut query, "... FROM t EXCEPT"). */
const NEEDS_MORE = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'JOIN',
  'ON',
  'BY',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'SET',
  'VALUES',
  'INTO',
  'AS',
  'IN',
  'LIKE',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'DISTINCT',
  'WITH',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'TABLE',
  'LEFT',
  'RIGHT',
  'INNER',
  'OUTER',
  'CROSS',
  'NATURAL',
  'USING',
  'IS',
]);

/**
 * What a statement cannot be whatever a grammar makes of it: ending on a word that needs more
 * (node-sql-parser's sqlite grammar reads a trailing EXCEPT as a table alias), or `SELECT *` with no
 * FROM (no table for the star; every engine rejects it). Undefined when neither.
 */
export function incompleteStatement(text: string): SqlAttempt | undefined {
  const code = blankLiterals(text);
  let start = 0;
  for (let i = 0; i <= code.length; i++) {
    if (i < code.length && code[i] !== ';') continue;
    const chunk = code.slice(start, i);
    const last = /([A-Za-z_]+)[\s)]*$/.exec(chunk);
    if (last && /\S/.test(chunk) && NEEDS_MORE.has((last[1] ?? '').toUpperCase()) && !/\)\s*$/.test(chunk)) {
      const offset = start + last.index;
      return {
        dialect: 'sqlite',
        message: `the statement ends with ${(last[1] ?? '').toUpperCase()}, which needs something after it`,
        offset,
        ...positionAt(text, offset),
      };
    }
    const star = /^[\s(]*SELECT\s+(?:DISTINCT\s+|ALL\s+)?\*/i.exec(chunk);
    if (star && !/\bFROM\b/i.test(chunk)) {
      const offset = start + star[0].length - 1;
      return { dialect: 'sqlite', message: 'SELECT * without FROM: there is no table for the star', offset, ...positionAt(text, offset) };
    }
    start = i + 1;
  }
  return undefined;
}

/** Clause keywords whose misspellings a lenient grammar may read as names ("DELETE FORM users" in BigQuery). */
const CLAUSE_KEYWORDS = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'JOIN',
  'INSERT',
  'VALUES',
  'UPDATE',
  'DELETE',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'DISTINCT',
  'CREATE',
  'TABLE',
];

/**
 * A typo of `keyword`: one letter dropped ("WHER", "ORDR"), two neighbours swapped ("FORM",
 * "GRUOP"), or in a keyword of six letters or more one letter wrong ("SELEKT"). Never longer than
 * the keyword: ORDERS, DELETED, UPDATED are names.
 */
function nearMiss(word: string, keyword: string): boolean {
  if (word.length === keyword.length - 1) return editDistance(word, keyword) === 1;
  if (word.length !== keyword.length) return false;
  const diff = [...word].flatMap((ch, i) => (ch === keyword[i] ? [] : [i]));
  if (diff.length === 1) return keyword.length >= 6;
  return (
    diff.length === 2 &&
    diff[1] === (diff[0] ?? 0) + 1 &&
    word[diff[0] ?? 0] === keyword[diff[1] ?? 0] &&
    word[diff[1] ?? 0] === keyword[diff[0] ?? 0]
  );
}

/**
 * A misspelt clause keyword that a grammar took for a name: an upper-case word of four letters or
 * more, in a statement that writes its keywords in upper case, one typo away from a clause keyword
 * ("FORM", "WHER", "GRUOP"), and not where a table name is due (`FROM FORM` names a table).
 * Undefined when there is none.
 */
export function misspeltKeyword(text: string): SqlAttempt | undefined {
  const code = blankLiterals(text);
  if (!/\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|WITH)\b/.test(code)) return undefined; // keywords not in upper case
  for (const m of code.matchAll(/(?<![\w.$@])[A-Z][A-Z_]{3,}(?![\w(.])/g)) {
    const word = m[0];
    if (SQL_STATEMENT_KEYWORDS.has(word) || SQLITE_KEYWORDS.has(word)) continue;
    // Where a name is due (FROM FORM, JOIN ORDR AS o), an upper-case name is a name.
    if (/\b(?:FROM|JOIN|INTO|UPDATE|TABLE|AS)\s+$/i.test(code.slice(Math.max(0, m.index - 12), m.index))) continue;
    const near = CLAUSE_KEYWORDS.find((k) => nearMiss(word, k));
    if (near)
      return {
        dialect: 'sqlite',
        message: `${JSON.stringify(word)} looks like a misspelt ${near}`,
        offset: m.index,
        ...positionAt(text, m.index),
      };
  }
  return undefined;
}

/** T-SQL's grammar reads "word word" as an assignment to a variable without "@": that is prose, not SQL. */
function bareAssignment(ast: unknown): string | undefined {
  for (const s of Array.isArray(ast) ? ast : [ast]) {
    const stmt = (s as { stmt?: { type?: string; left?: { type?: string; name?: string; prefix?: unknown } } } | null)?.stmt;
    if (stmt?.type === 'assign' && stmt.left?.type === 'var' && !stmt.left.prefix) return stmt.left.name ?? '?';
  }
  return undefined;
}

/** Try one dialect; undefined when the text parses. */
export function parseSql(text: string, dialect: SqlDialect): SqlAttempt | undefined {
  let ast: unknown;
  try {
    ast = parserFor(dialect).astify(text, { database: dialect });
  } catch (cause) {
    const e = cause as { message?: string; location?: { start?: { offset: number; line: number; column: number } } };
    const start = e.location?.start;
    const message = shorten(e.message ?? String(cause));
    return start ? { dialect, message, offset: start.offset, line: start.line, column: start.column } : { dialect, message, offset: -1 };
  }
  const bare = bareAssignment(ast);
  if (bare === undefined) return undefined;
  const offset = Math.max(0, text.indexOf(bare));
  return {
    dialect,
    message: `the ${dialect} grammar reads "${bare} ..." as an assignment to a variable without "@": that is not a SQL statement`,
    offset,
    ...positionAt(text, offset),
  };
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
 * node-sql-parser's sqlite grammar reserves words SQLite does not (SHOW, as in Spider's
 * `SELECT avg(Attendance) FROM SHOW`): a table name after FROM or JOIN that is no SQLite keyword is
 * quoted, which to SQLite names the same table. Undefined when nothing would change.
 */
function quoteSqliteTableNames(text: string): string | undefined {
  const code = blankLiterals(text);
  let out = '';
  let last = 0;
  for (const m of code.matchAll(/\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)\b(?!\s*[.(])/gi)) {
    const word = m[1] as string;
    if (SQLITE_KEYWORDS.has(word.toUpperCase())) continue;
    const at = m.index + m[0].length - word.length;
    out += `${text.slice(last, at)}"${word}"`;
    last = at + word.length;
  }
  return last === 0 ? undefined : out + text.slice(last);
}

/** Parse in one dialect, with the sqlite grammar's reserved-word gap bridged. */
function parseIn(text: string, dialect: SqlDialect): SqlAttempt | undefined {
  // BigQuery's DELETE requires WHERE; node-sql-parser's bigquery grammar does not ("delete everything now").
  const del = dialect === 'bigquery' ? /^[\s(]*DELETE\b/i.exec(blankLiterals(text)) : null;
  if (del && !/\bWHERE\b/i.test(blankLiterals(text)))
    return { dialect, message: "BigQuery's DELETE needs a WHERE clause", offset: del[0].length, ...positionAt(text, del[0].length) };
  const attempt = parseSql(text, dialect);
  if (!attempt || dialect !== 'sqlite') return attempt;
  const quoted = quoteSqliteTableNames(text);
  return quoted !== undefined && parseSql(quoted, 'sqlite') === undefined ? undefined : attempt;
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
  return { dialect: 'mysql', message, offset, ...positionAt(text, offset) };
}

/** Compound selects node-sql-parser's sqlite grammar cannot read, though SQLite can. */
const COMPOUND = /\b(?:INTERSECT|EXCEPT)\b/i;

/** The dialects to try for `text`, and how they were chosen (for the message). */
function dialectsFor(text: string, named: SqlDialect | undefined, source: string): { dialects: SqlDialect[]; which: string } {
  if (named) {
    // The sqlite grammar lacks INTERSECT/EXCEPT: postgresql's reads SQLite's compound selects.
    const dialects: SqlDialect[] = named === 'sqlite' && COMPOUND.test(blankLiterals(text)) ? ['sqlite', 'postgresql'] : [named];
    return { dialects, which: `${named} (${source})` };
  }
  const detected = detectSqlDialect(text);
  const dialects = [...new Set([...(detected ? [detected] : []), ...SQL_FALLBACK])];
  return {
    dialects,
    which: detected ? `${detected} (detected) or any of ${SQL_FALLBACK.join(', ')}` : `any of ${SQL_FALLBACK.join(', ')}`,
  };
}

/**
 * Creates the SQL validator. `ctx.hints.dialect` (a fence tag, config or CLI flag) or else a
 * dialect named in `ctx.instruction` is used alone; otherwise a dialect detected from the text is
 * tried first, then SQL_FALLBACK.
 */
export function sqlValidator(): Validator {
  return defineValidator({
    name: 'sql',
    formats: ['sql'],
    reason: 'invalid-sql',
    validate(text, ctx): ValidationResult {
      const hinted = ctx.hints?.dialect;
      if (hinted !== undefined && !(typeof hinted === 'string' && (SQL_DIALECTS as readonly string[]).includes(hinted))) {
        throw new EvolflowError('input', `unknown SQL dialect ${JSON.stringify(hinted)}; use one of ${SQL_DIALECTS.join(', ')}`);
      }
      const named = (hinted as SqlDialect | undefined) ?? sqlDialectOf(ctx.instruction);
      const source = hinted !== undefined ? 'named' : 'named in the instruction';
      const keyword = missingStatementKeyword(text) ?? incompleteStatement(text) ?? misspeltKeyword(text);
      if (keyword) return fail('sql', `invalid SQL: ${keyword.message}`, { line: keyword.line, column: keyword.column });
      const { dialects, which } = dialectsFor(text, named, source);
      let best: SqlAttempt | undefined;
      for (const dialect of dialects) {
        const attempt = parseIn(text, dialect);
        if (!attempt) return { ok: true, format: `sql:${named ?? dialect}` };
        if (!best || attempt.offset > best.offset) best = attempt;
        const lexical = dialects.length > 1 ? unbalancedSql(text) : undefined;
        if (lexical) {
          best = { ...lexical, dialect };
          break;
        }
      }
      const b = best as SqlAttempt;
      return fail(`sql:${b.dialect}`, `invalid SQL in ${which}: ${b.message}`, { line: b.line, column: b.column });
    },
  });
}
