// End to end through the policy: realistic evolved instructions (valid and broken) go through
// checkInstruction; every broken piece is rejected with the matching reason and no valid one is.
import { describe, expect, it } from 'vitest';
import { readSeedTasks, readVicunaQuestions } from '@evolflow/testdata';
import { createFormatChecker } from './checker.ts';
import { demandedFormat } from './demand.ts';
import { extractPieces } from './extract.ts';

const checker = await createFormatChecker();

// [expectFormat, instruction]: all valid.
const valid: [string | undefined, string][] = [
  [
    'json',
    'Given the customer record {"id": 42, "name": "Ann Lee", "orders": [{"sku": "A1", "qty": 2}]}, list every SKU she ordered and the total quantity.',
  ],
  [
    'json',
    'Using this configuration:\n```json\n{\n  "retries": 3,\n  "backoff": {"base": 0.5, "max": 8}\n}\n```\nexplain how long the client waits before the third retry.',
  ],
  [
    'sql',
    'Our analyst wrote the query below against the `singer` table:\n\nSELECT country, count(*) AS n\nFROM singer\nWHERE age > 30\nGROUP BY country\nORDER BY n DESC;\n\nRewrite it so that it also shows the average age per country.',
  ],
  ['sql', 'In PostgreSQL, explain what `SELECT name FROM employees WHERE salary > (SELECT avg(salary) FROM employees)` returns.'],
  [
    'python',
    'The function below should return the n-th Fibonacci number:\n```python\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```\nAdd memoisation and type hints.',
  ],
  ['javascript', 'Explain what this prints:\n```js\nconst xs = [1, 2, 3].map((x) => x * 2);\nconsole.log(xs.join(","));\n```'],
  [
    'markdown-table',
    'Based on the sales table below, which region grew fastest?\n\n| region | 2022 | 2023 |\n|--------|------|------|\n| North  | 120  | 150  |\n| South  | 200  | 210  |\n',
  ],
  ['csv', 'Summarise the data:\n```csv\ncity,temp\nOslo,4\nRome,18\n```'],
  ['yaml', 'Fix the deployment so it has three replicas:\n```yaml\napiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 1\n```'],
  ['xml', 'Extract all titles from:\n```xml\n<books><book><title>Dune</title></book><book><title>Emma</title></book></books>\n```'],
  ['latex', 'Simplify the expression $$\\frac{x^2 - 1}{x - 1}$$ for x not equal to 1.'],
  [undefined, 'Select the best option from the list below and explain why. Use {name} as a placeholder, see [1] and [2].'],
  [undefined, 'Describe how to select a database index: which columns would you select from the query plan?'],
  [
    'json',
    'Validate this order against the JSON Schema {"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1}}, "required": ["qty"]} and fix it: {"qty": 3}',
  ],
];

// [expectFormat, instruction, reason, line of the error]: each holds one broken piece.
const broken: [string | undefined, string, string, number][] = [
  ['json', 'Given the record {"id": 42, "name": "Ann", "tags": ["a", "b",]}, list the tags.', 'invalid-json', 1],
  ['json', 'Parse the config:\n```json\n{\n  "retries": 3,\n  "backoff": {"base": 0.5\n}\n```\nand explain it.', 'invalid-json', 6],
  [
    'json',
    'Read this payload and report the missing field:\n{"user": "ann", "roles": ["admin", "dev"\n\nThen suggest a fix.',
    'invalid-json',
    2,
  ],
  ['sql', 'Optimise this query:\n\nSELECT name, age\nFROM singer\nWHERE (age > 30\nORDER BY age;\n\nExplain the plan.', 'invalid-sql', 5],
  ['sql', 'Explain why `SELECT * FROM WHERE id = 3` is slow.', 'invalid-sql', 1],
  ['python', 'Debug this function:\n```python\ndef mean(xs):\n    total = sum(xs)\n  return total / len(xs)\n```', 'invalid-code', 5],
  [
    'java',
    'What does this print?\n```java\npublic class A {\n  public static void main(String[] a) {\n    System.out.println("hi);\n  }\n}\n```',
    'invalid-code',
    5,
  ],
  ['markdown-table', 'Which product sold most?\n\n| product | units |\n|---|---|\n| pens | 10 |\n| paper | 20 | 5 |\n', 'invalid-table', 6],
  ['csv', 'Clean this data:\n```csv\nname,age\nAnn,31\nBob,40,extra\n```', 'invalid-table', 5],
  ['yaml', 'Fix this file:\n```yaml\nservices:\n  web: [nginx, 80\n  db: postgres\n```', 'invalid-yaml', 5],
  ['xml', 'Extract titles:\n```xml\n<books>\n  <book><title>Dune</book>\n</books>\n```', 'invalid-xml', 4],
  ['latex', 'Simplify $$\\frac{x^2 - 1}{x - 1$$ for x > 1.', 'invalid-latex', 1],
  [undefined, 'Run this and tell me the output:\n```go\npackage main\n\nfunc main() {\n\tx := (1 + 2\n}\n```', 'invalid-code', 6],
  [
    'json',
    'Check this order against the JSON Schema {"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1}}, "required": ["qty"]}: {"qty": 0}',
    'invalid-json',
    1,
  ],
  ['json', 'Use the JSON Schema {"type": "objekt", "properties": {"a": {"type": "string"}}} to validate {"a": "x"}.', 'invalid-json', 1],
];

describe('checkInstruction: valid instructions', () => {
  it.each(valid)('accepts (expect %s) %s', async (format, text) => {
    const report = await checker.checkInstruction(text, format === undefined ? {} : { expectFormat: format });
    expect(report.reason, report.detail).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.pieces.every((p) => p.ok)).toBe(true);
    if (format !== undefined) expect(report.pieces.some((p) => p.piece.format === format)).toBe(true);
  });

  it.each([
    'The set {1, 2, 3} contains three numbers; return [a, b] pairs.',
    'Respond in the format {"name": ..., "age": ...} for each person.',
    'Respond using {"answer": "<your answer>", "confidence": <0-1>}.',
    'SELECT statements are used to read rows from a table.',
    'UPDATE your resume and SET goals for the next year.',
    'Explain the difference between <div> and <span> elements.',
    'The price rose from $5 to $10 and then to $12.',
    'Compute f(x) = (x + 1 for x > 0.',
    'I want to CREATE TABLE-like layouts with CSS.',
    'key: value pairs are common in configs. For example: name: Bob',
    'A | B means A or B in this notation.',
    'Consider the array [3, 1, 2] and sort it; also [0, 1) is half-open.',
    '```\nThis is just a quoted paragraph of prose, not code.\n```',
  ])('does not take prose for broken data: %s', async (text) => {
    const report = await checker.checkInstruction(text);
    expect(report.ok, report.detail).toBe(true);
    expect(report.pieces.filter((p) => !p.skipped && p.piece.format !== 'json').length).toBe(0);
  });

  it('finds no data in ordinary prose', () => {
    expect(extractPieces(valid[11]?.[1] ?? '')).toEqual([]);
    expect(extractPieces(valid[12]?.[1] ?? '')).toEqual([]);
  });
});

describe('checkInstruction: broken instructions', () => {
  it.each(broken)('rejects (expect %s) %s', async (...[format, text, reason, line]: (typeof broken)[number]) => {
    const report = await checker.checkInstruction(text, format === undefined ? {} : { expectFormat: format });
    expect(report.ok).toBe(false);
    expect(report.reason).toBe(reason);
    const bad = report.pieces.filter((p) => !p.ok);
    expect(bad.length).toBe(1);
    expect(bad[0]?.error?.line).toBe(line);
    expect(report.detail).toMatch(/piece starting on line \d+/);
  });

  it('rejects an instruction without the asked-for format as missing-format', async () => {
    const report = await checker.checkInstruction('Explain recursion to a child using a story about mirrors.', { expectFormat: 'json' });
    expect(report).toMatchObject({ ok: false, reason: 'missing-format' });
    const sqlOnly = await checker.checkInstruction('Explain: SELECT a FROM t;', { expectFormat: 'python' });
    expect(sqlOnly.reason).toBe('missing-format');
    expect(sqlOnly.detail).toMatch(/only sql/);
  });

  it('takes an untagged fence as the asked-for format', async () => {
    const report = await checker.checkInstruction('Fix:\n```\nfor i in range(3):\nprint(i)\n```', { expectFormat: 'python' });
    expect(report).toMatchObject({ ok: false, reason: 'invalid-code' });
  });
});

describe('checkResponse', () => {
  it('reads the demanded format from the instruction', () => {
    expect(demandedFormat('List three fruits. Answer in JSON.')).toBe('json');
    expect(demandedFormat('Return the result as a JSON array of strings.')).toBe('json');
    expect(demandedFormat('Write a SQL query that finds the oldest singer in the singer table.')).toBe('sql');
    expect(demandedFormat('Present the comparison as a Markdown table.')).toBe('markdown-table');
    expect(demandedFormat('Write a Python function that reverses a linked list.')).toBe('python');
    expect(demandedFormat('Implement binary search in Rust.')).toBeUndefined();
    expect(demandedFormat('Write a program in Rust that implements binary search.')).toBe('rust');
    expect(demandedFormat('Explain what the following JSON object describes: {"a": 1}')).toBeUndefined();
    expect(demandedFormat('Describe the water cycle.')).toBeUndefined();
  });

  it('passes responses when no format is demanded', async () => {
    expect(await checker.checkResponse('Describe the water cycle.', 'Water evaporates {')).toEqual({ ok: true, pieces: [] });
  });

  it('validates bare and fenced responses in the demanded format', async () => {
    expect((await checker.checkResponse('List three fruits. Answer in JSON.', '["apple", "pear", "fig"]')).ok).toBe(true);
    expect(await checker.checkResponse('List three fruits. Answer in JSON.', '["apple", "pear",')).toMatchObject({
      ok: false,
      reason: 'invalid-json',
    });
    expect(await checker.checkResponse('List three fruits. Answer in JSON.', 'Apple, pear and fig.')).toMatchObject({
      ok: false,
      reason: 'missing-format',
    });
    const sql = await checker.checkResponse(
      'Write a SQL query that counts singers per country in the singer table.',
      'Here it is:\n```sql\nSELECT country, count(*) FROM singer GROUP BY country\n```',
    );
    expect(sql.ok).toBe(true);
    const py = await checker.checkResponse(
      'Write a Python function that doubles a number.',
      '```python\ndef double(x):\nreturn 2 * x\n```',
    );
    expect(py).toMatchObject({ ok: false, reason: 'invalid-code' });
    expect(py.pieces[0]?.error?.line).toBe(3);
    const table = await checker.checkResponse('Present the comparison as a Markdown table.', '| a | b |\n|---|---|\n| 1 | 2 |');
    expect(table.ok).toBe(true);
  });

  it('applies a JSON Schema from the instruction to the response', async () => {
    const instruction =
      'Answer in JSON that matches the JSON Schema {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}.';
    expect((await checker.checkResponse(instruction, '{"n": 3}')).ok).toBe(true);
    expect(await checker.checkResponse(instruction, '{"n": "three"}')).toMatchObject({ ok: false, reason: 'invalid-json' });
  });
});

describe('plugins', () => {
  it('loads extra validator plugins and reports a bad name with its package', async () => {
    await expect(createFormatChecker({ extra: ['does-not-exist'] })).rejects.toThrow(/@evolflow\/validator-does-not-exist/);
    expect(checker.validators().map((v) => v.name)).toEqual(['json', 'sql', 'code', 'table', 'yaml', 'xml', 'latex']);
  });
});

describe('real human-written instructions (self-instruct seeds, Vicuna-80)', () => {
  it('rejects none of them: prose is not taken for broken data', async () => {
    const texts: string[] = [];
    for (const r of readSeedTasks()) {
      texts.push(r.instruction);
      for (const i of r.instances) if (i.input) texts.push(`${r.instruction}\n\n${i.input}`);
    }
    texts.push(...readVicunaQuestions());
    const rejected: string[] = [];
    let pieces = 0;
    for (const t of texts) {
      const r = await checker.checkInstruction(t);
      pieces += r.pieces.length;
      if (!r.ok) rejected.push(`${r.detail}: ${t.slice(0, 80)}`);
    }
    expect(texts.length).toBe(380);
    expect(rejected).toEqual([]);
    expect(pieces).toBe(2); // an HTML document and a JSON object are the only embedded data
  });
});
