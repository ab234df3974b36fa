// The SQL validator against Spider's 1,034 gold queries, deliberately broken queries, and dialects.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSql, SQL_FALLBACK, sqlDialectOf, sqlValidator } from './sql.ts';

const queries = readFileSync('/work/shared/data/sql/spider-gold.txt', 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t')[0] as string);

describe('Spider gold queries', () => {
  it('parses at least 99% in some supported dialect and lists the rest with the reason', async () => {
    const v = sqlValidator();
    const failed: string[] = [];
    const byDialect = new Map<string, number>();
    for (const q of queries) {
      const r = await v.validate(q, {});
      if (r.ok) byDialect.set(r.format, (byDialect.get(r.format) ?? 0) + 1);
      else failed.push(`${q}  -> ${r.error?.message}`);
    }
    console.log(`Spider: ${queries.length - failed.length}/${queries.length} parse; first dialect that parsed: ${JSON.stringify(Object.fromEntries(byDialect))}`);
    if (failed.length) console.log(`Spider queries that parse in no dialect:\n${failed.join('\n')}`);
    expect(queries.length).toBe(1034);
    expect(failed.length).toBeLessThanOrEqual(10);
    expect(failed.length).toBe(0);
  });

  it('sqlite alone (the dialect Spider is written in) rejects only compound queries and reserved words', () => {
    const failed = queries.filter((q) => parseSql(q, 'sqlite'));
    console.log(`Spider in node-sql-parser's sqlite dialect alone: ${queries.length - failed.length}/${queries.length}`);
    expect(failed.every((q) => /\b(INTERSECT|EXCEPT|UNION)\b|FROM SHOW\b/i.test(q))).toBe(true);
  });
});

describe('broken SQL', () => {
  const broken: [string, string][] = [
    ['truncated', 'SELECT name, age FROM'],
    ['truncated condition', 'SELECT name FROM singer WHERE age >'],
    ['missing FROM target', 'SELECT * FROM WHERE id = 1'],
    ['unbalanced parentheses', 'SELECT count(* FROM singer'],
    ['unclosed parenthesis', 'SELECT name FROM singer WHERE (age > 3 AND country = \'France\''],
    ['extra closing parenthesis', 'SELECT name FROM singer WHERE age > 3)'],
    ['unterminated string', "SELECT name FROM singer WHERE country = 'France"],
    ['dangling WHERE', 'SELECT name FROM singer WHERE'],
  ];
  it.each(broken)('rejects %s', async (_why, q) => {
    const r = await sqlValidator().validate(q, {});
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/invalid SQL/);
    expect(r.error?.line).toBe(1);
  });

  it('reports the line of a multi-line error', async () => {
    const r = await sqlValidator().validate('SELECT name\nFROM singer\nWHERE (age > 3', {});
    expect(r.error?.line).toBe(3);
  });
});

describe('dialects', () => {
  it('reads the dialect from the instruction', () => {
    expect(sqlDialectOf('Write a PostgreSQL query that...')).toBe('postgresql');
    expect(sqlDialectOf('using SQLite')).toBe('sqlite');
    expect(sqlDialectOf('for SQL Server (T-SQL)')).toBe('transactsql');
    expect(sqlDialectOf('in BigQuery')).toBe('bigquery');
    expect(sqlDialectOf('a MySQL table')).toBe('mysql');
    expect(sqlDialectOf('a query')).toBeUndefined();
    expect(SQL_FALLBACK).toEqual(['sqlite', 'mysql', 'postgresql', 'transactsql', 'bigquery', 'snowflake']);
  });

  it('parses in the named dialect only', async () => {
    const v = sqlValidator();
    const q = 'SELECT TOP 5 name FROM singer';
    expect((await v.validate(q, { instruction: 'In T-SQL, fix this query' })).format).toBe('sql:transactsql');
    const pg = await v.validate(q, { instruction: 'In PostgreSQL, fix this query' });
    expect(pg.ok).toBe(false);
    expect(pg.error?.message).toMatch(/postgresql \(named in the instruction\)/);
  });
});
