// The SQL validator against Spider's 1,034 gold queries, deliberately broken queries, prose and
// misspelt keywords, and dialects (named, detected, never a permissive fallback).
import { describe, expect, it } from 'vitest';
import { readSpiderQueries } from '@evolflow/testdata';
import { createFormatChecker } from './checker.ts';
import { MISSPELT_SQL, PROSE_EN, PROSE_ZH } from './corpus.ts';
import { detectSqlDialect, parseSql, SQL_FALLBACK, sqlDialectOf, sqlValidator } from './sql.ts';

const queries = readSpiderQueries();

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
    console.log(
      `Spider: ${queries.length - failed.length}/${queries.length} parse; first dialect that parsed: ${JSON.stringify(Object.fromEntries(byDialect))}`,
    );
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
    ['unclosed parenthesis', "SELECT name FROM singer WHERE (age > 3 AND country = 'France'"],
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
    // Issue 12: transactsql, bigquery and snowflake left the fallback, their grammars accept prose.
    expect(SQL_FALLBACK).toEqual(['sqlite', 'mysql', 'postgresql']);
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

describe('prose and misspelt keywords are not SQL', () => {
  const v = sqlValidator();
  const prose = [...PROSE_EN, ...PROSE_ZH];

  it("rejects the issue's examples alone, with the word that is not a keyword", async () => {
    for (const t of ['list every customer by city', 'good morning', 'SELCT id FRM users']) {
      const r = await v.validate(t, {});
      expect(r.ok, t).toBe(false);
      expect(r.error).toMatchObject({ line: 1, column: 1 });
      expect(r.error?.message).toMatch(/invalid SQL: a statement must open with a SQL keyword/);
    }
    expect((await v.validate('SELCT id FRM users', {})).error?.message).toMatch(/misspelt SELECT\?/);
  });

  it.each(['transactsql', 'bigquery', 'snowflake'])('rejects every prose and misspelt piece even when %s is named', async (dialect) => {
    const accepted: string[] = [];
    for (const t of [...prose, ...MISSPELT_SQL]) if ((await v.validate(t, { hints: { dialect } })).ok) accepted.push(t);
    expect(accepted).toEqual([]);
  });

  it('rejects every prose (English and Chinese) and misspelt piece in the fallback dialects', async () => {
    const accepted: string[] = [];
    for (const t of [...prose, ...MISSPELT_SQL]) if ((await v.validate(t, {})).ok) accepted.push(t);
    expect(prose.length + MISSPELT_SQL.length).toBe(87);
    expect(accepted).toEqual([]);
  });

  it('rejects a prose statement after a real one, and T-SQL\'s reading of "word word" as an assignment', async () => {
    expect((await v.validate('SELECT id FROM users; hello world', {})).error).toMatchObject({ line: 1, column: 23 });
    // The T-SQL grammar itself reads "good morning" as an assignment to a variable without "@".
    expect(parseSql('good morning', 'transactsql')?.message).toMatch(/assignment to a variable without "@"/);
    expect(parseSql('SELECT id FROM users', 'transactsql')).toBeUndefined();
  });

  it('rejects a misspelt clause keyword a lenient grammar reads as a name, but not an upper-case table name', async () => {
    expect((await v.validate('DELETE FORM users WHERE id = 1', { hints: { dialect: 'bigquery' } })).error?.message).toMatch(
      /"FORM" looks like a misspelt FROM/,
    );
    expect((await v.validate('SELECT name FROM singer ORDR BY age', {})).error).toMatchObject({ line: 1, column: 25 });
    expect((await v.validate('SELECT DISTINT CountryCode FROM countrylanguage', {})).error?.message).toMatch(/misspelt DISTINCT/);
    for (const q of [
      'SELECT * FROM FORM',
      'SELECT ID FROM ORDERS JOIN FORM AS FORM ON ORDERS.ID = FORM.ID',
      'SELECT DELETED, UPDATED FROM LOG',
    ])
      expect(await v.validate(q, {}), q).toMatchObject({ ok: true });
  });

  it('rejects queries cut after a keyword that needs more, and SELECT * with no table', async () => {
    for (const t of [
      'SELECT id FROM Highschooler EXCEPT',
      'SELECT state FROM Owners INTERSECT',
      'SELECT *',
      'SELECT * WHERE x = 1',
      'SELECT name FROM singer ORDER BY',
    ]) {
      expect((await v.validate(t, {})).ok, t).toBe(false);
    }
  });

  it('rejects prose and misspelt keywords inside fenced sql blocks, tagged with a dialect or not', async () => {
    const checker = await createFormatChecker();
    for (const tag of ['sql', 'tsql', 'bigquery', '']) {
      for (const t of ['list every customer by city', 'good morning', 'SELCT id FRM users', '列出每个城市的所有客户']) {
        const r = await checker.checkInstruction(`Fix this query:\n\`\`\`${tag}\n${t}\n\`\`\``, { expectFormat: 'sql' });
        expect(r.ok, `${tag}: ${t}`).toBe(false);
        expect(r.reason).toMatch(/invalid-sql|missing-format/);
      }
    }
    const tagged = await checker.checkInstruction('Fix this query:\n```sql\ngood morning\n```');
    expect(tagged).toMatchObject({ ok: false, reason: 'invalid-sql', pieces: [{ error: { line: 3, column: 1 } }] });
  });
});

describe('dialects named or detected', () => {
  const v = sqlValidator();

  it('detects T-SQL, PostgreSQL and MySQL from their own syntax', async () => {
    expect(detectSqlDialect('SELECT TOP 5 name FROM singer')).toBe('transactsql');
    expect(detectSqlDialect('SELECT id::text FROM t')).toBe('postgresql');
    expect(detectSqlDialect('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY)')).toBe('mysql');
    expect(detectSqlDialect("SELECT 'TOP 5' FROM t")).toBeUndefined();
    expect(await v.validate('SELECT TOP 5 name FROM singer', {})).toEqual({ ok: true, format: 'sql:transactsql' });
  });

  it('reads SQLite compound queries when SQLite is named (the sqlite grammar lacks INTERSECT/EXCEPT)', async () => {
    const q = 'SELECT name FROM singer WHERE age > 30 INTERSECT SELECT name FROM singer WHERE age < 40';
    expect(parseSql(q, 'sqlite')).toBeDefined();
    expect(await v.validate(q, { instruction: 'In SQLite, explain this query' })).toEqual({ ok: true, format: 'sql:sqlite' });
  });

  it('reads a table named like a word the sqlite grammar reserves but SQLite does not', async () => {
    expect(parseSql('SELECT avg(Attendance) FROM SHOW', 'sqlite')).toBeDefined();
    expect(await v.validate('SELECT avg(Attendance) FROM SHOW', {})).toEqual({ ok: true, format: 'sql:sqlite' });
  });

  it('takes the dialect from the fence tag, then the checker option, then the instruction', async () => {
    const checker = await createFormatChecker();
    const top = 'SELECT TOP 5 name FROM singer';
    expect((await checker.checkInstruction(`Fix:\n\`\`\`tsql\n${top}\n\`\`\``)).pieces[0]?.format).toBe('sql:transactsql');
    expect(await checker.checkInstruction(`In T-SQL, fix:\n\`\`\`postgresql\n${top}\n\`\`\``)).toMatchObject({
      ok: false,
      reason: 'invalid-sql',
    });
    const pg = await createFormatChecker({ sqlDialect: 'postgresql' });
    expect(await pg.checkInstruction(`In T-SQL, fix:\n\`\`\`sql\n${top}\n\`\`\``)).toMatchObject({ ok: false, reason: 'invalid-sql' });
    await expect(createFormatChecker({ sqlDialect: 'oracle' as never })).rejects.toThrow(/unknown SQL dialect "oracle"/);
    expect(() => v.validate(top, { hints: { dialect: 'oracle' } })).toThrow(/unknown SQL dialect/);
  });
});
