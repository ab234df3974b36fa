// Pieces for measuring the validators (tests and bench/validators.ts; `@evolflow/validators/testing`):
// prose that must never pass as SQL or JSON, written here in English and Chinese, misspelt SQL,
// bracketed text that is not JSON, and mutations that break a valid piece (cut, unbalanced
// brackets, misspelt keywords). Whether a mutation really broke the piece is for an oracle to say
// (SQLite, Node, Python, JSON.parse): a cut can land on a statement boundary.
import { seededRandom } from '@evolflow/core';

/**
 * Prose, English: requests and sentences of the kind instructions hold, many opening with a word
 * that is also a SQL keyword (select, show, delete, create, update, set, with, begin...).
 */
export const PROSE_EN: readonly string[] = [
  'list every customer by city',
  'good morning',
  'show me the money',
  'select the best option and explain why',
  'delete everything now',
  'create a new table for users',
  'insert the value here',
  'update your resume before the interview',
  'drop it',
  'set the table for dinner',
  'with a smile, she left the room',
  'begin the meeting at noon',
  'explain the results to me',
  'use the customer table',
  'Select all customers who live in Paris.',
  'Find the names of all singers older than 30.',
  'Count the number of orders per month',
  'Show the average salary by department',
  'Return the top 5 products by revenue.',
  'Get me every employee hired after 2020',
  'Delete the rows where the price is missing.',
  'Update the email of the user with id 7',
  'Create an index on the name column.',
  'Drop the old backup table if it exists',
  'Insert a new row for Alice, age 31',
  'Write a query that lists customers by city.',
  'Order by price, then by name',
  'group the results by country',
  'Join the two tables on the customer id',
  'The query returns all rows.',
  'SQL is a language for databases.',
  'SHOW TABLES please',
  'use your best judgement',
  'Call me tomorrow',
  'Commit to the plan and stick with it',
  'Begin with the easy questions',
  'Set a reminder for 9 am',
  'With great power comes great responsibility.',
  'Explain how a B-tree index works',
  'Replace every occurrence of the word good with great',
  'merge the two lists and sort them',
  'Truncate the text to 100 characters',
  'Grant access to the new employee',
  'Analyze the data and summarise it in three sentences.',
  'Describe the table structure',
  'SELECT statements are used to read rows from a table.',
  'UPDATE your resume and SET goals for the next year.',
  'Select the correct answer: A, B or C.',
  'Show me how to sort a list in Python',
  'Create a schedule for the week',
];

/** Prose, Chinese: the same kind of requests as PROSE_EN. */
export const PROSE_ZH: readonly string[] = [
  '列出每个城市的所有客户',
  '早上好',
  '查询所有年龄大于三十岁的歌手的名字',
  '统计每个月的订单数量',
  '按部门显示平均工资',
  '删除价格缺失的行',
  '创建一个用户表，包含姓名和年龄两列',
  '更新编号为7的用户的邮箱',
  '请写一个SQL查询，列出所有客户',
  '选择最好的选项并解释原因',
  '把两张表按客户编号连接起来',
  '显示销量最高的五个产品',
  '给我2020年以后入职的所有员工',
  '按价格排序，然后按名称排序',
  '这个查询返回所有行。',
];

/** Misspelt SQL: a keyword typed wrong ("SELCT", "FRM", "WHER"); none of these is SQL. */
export const MISSPELT_SQL: readonly string[] = [
  'SELCT id FRM users',
  'SELECT id FRM users',
  'SELET * FROM users',
  'SLECT name FROM singer',
  'SELECT name FORM singer WHERE age > 3',
  'SELECT * FROM users WHER id = 1',
  'SELECT * FROM users ORDR BY id',
  'SELECT country, count(*) FROM singer GRUOP BY country',
  'SELECT name FROM singer ORDER BY age DESC LIMT 1',
  "INSRT INTO users (name) VALUES ('Ann')",
  "INSERT INOT users (name) VALUES ('Ann')",
  "UPDTE users SET name = 'Ann' WHERE id = 1",
  "UPDATE users SETT name = 'Ann' WHERE id = 1",
  'DELEET FROM users WHERE id = 1',
  'DELETE FORM users WHERE id = 1',
  'CRATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)',
  'CREATE TABEL users (id INTEGER PRIMARY KEY, name TEXT)',
  'DORP TABLE users',
  'SELECT a.name FROM users a JION orders b ON a.id = b.user_id',
  "SELECT name FROM singer WHERE age > 3 ANDD country = 'France'",
  'select id frm users',
  'selct * from users',
];

/**
 * Bracketed text that is not JSON (Python, JavaScript, prose), written here; detection must not
 * call any of it JSON. Real ones come from the Python standard library and node_modules in the bench.
 */
export const BRACKETED_NOT_JSON: readonly { kind: 'python' | 'javascript' | 'prose'; text: string }[] = [
  { kind: 'python', text: '[x*x for x in range(10)]' },
  { kind: 'python', text: '[i for i in arr[1:] if i <= pivot]' },
  { kind: 'python', text: '{k: v for k, v in pairs}' },
  { kind: 'python', text: '{"name": "Ann", "active": True, "manager": None}' },
  { kind: 'python', text: "{'a': 1, 'b': [1, 2, 3]}" },
  { kind: 'python', text: "['apple', 'pear', 'fig']" },
  { kind: 'python', text: '[(a, b) for a in xs for b in ys if a != b]' },
  { kind: 'python', text: '{"key": lambda x: x + 1}' },
  { kind: 'python', text: '[len(w) for w in words]' },
  { kind: 'python', text: '{1, 2, 3} | {3, 4}' },
  { kind: 'javascript', text: '{"a": 1, f: function () { return 1; }}' },
  { kind: 'javascript', text: '{ name: "Ann", greet() { return `hi ${this.name}`; } }' },
  { kind: 'javascript', text: '[1, 2, 3].map((x) => x * 2)' },
  { kind: 'javascript', text: '{ onClick: () => setOpen(true), disabled: undefined }' },
  { kind: 'javascript', text: '[...xs, ...ys]' },
  { kind: 'javascript', text: '{ a: 1, // first\n  b: 2 }' },
  { kind: 'javascript', text: '{ id: user.id, name: user.name.trim() }' },
  { kind: 'prose', text: '[see the note above]' },
  { kind: 'prose', text: '[person name]' },
  { kind: 'prose', text: '[Insert your answer here]' },
  { kind: 'prose', text: '{the set of all even numbers}' },
  { kind: 'prose', text: '[citation needed]' },
  { kind: 'prose', text: '[this is important, read it twice]' },
  { kind: 'prose', text: '{ name of the company }' },
];

/** One broken variant of a piece and how it was broken. */
export interface Mutation {
  how: 'cut' | 'unbalanced' | 'misspelt';
  text: string;
}

/** Cut at a word boundary between 40% and 80% of the text (undefined when there is none). */
export function cut(text: string, random: () => number): string | undefined {
  const at = Math.floor(text.length * (0.4 + 0.4 * random()));
  const space = text.lastIndexOf(' ', at);
  const end = space > 0 ? space : at;
  const out = text.slice(0, end).trimEnd();
  return out.length > 0 && out !== text.trim() ? out : undefined;
}

/** Drop one closing bracket (or, when there is none, add an opening one): unbalanced. */
export function unbalance(text: string, random: () => number): string | undefined {
  const closers = [...text.matchAll(/[)\]}]/g)].map((m) => m.index);
  if (closers.length > 0) {
    const at = closers[Math.floor(random() * closers.length)] as number;
    return text.slice(0, at) + text.slice(at + 1);
  }
  const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
  if (spaces.length === 0) return undefined;
  const at = spaces[Math.floor(random() * spaces.length)] as number;
  return `${text.slice(0, at)} (${text.slice(at)}`;
}

/** Typos for keywords: a letter dropped or two swapped, as people type them. */
function typo(word: string, random: () => number): string {
  const i = 1 + Math.floor(random() * (word.length - 2));
  return random() < 0.5
    ? word.slice(0, i) + word.slice(i + 1)
    : word.slice(0, i) + (word[i + 1] ?? '') + (word[i] ?? '') + word.slice(i + 2);
}

/** Misspell one of `keywords` (whole words, case kept) in `text`; undefined when none occurs. */
export function misspell(
  text: string,
  { keywords, flags = 'g' }: { keywords: readonly string[]; flags?: string },
  random: () => number,
): string | undefined {
  const hits = [...text.matchAll(new RegExp(`\\b(?:${keywords.join('|')})\\b`, flags))];
  if (hits.length === 0) return undefined;
  const hit = hits[Math.floor(random() * hits.length)] as RegExpExecArray;
  let wrong = typo(hit[0], random);
  if (wrong === hit[0]) wrong = hit[0].slice(0, -1);
  return text.slice(0, hit.index) + wrong + text.slice(hit.index + hit[0].length);
}

/** Keywords misspelt per language. */
export const KEYWORDS: Readonly<Record<'sql' | 'python' | 'javascript', readonly string[]>> = {
  sql: [
    'SELECT',
    'FROM',
    'WHERE',
    'GROUP',
    'ORDER',
    'JOIN',
    'HAVING',
    'LIMIT',
    'DISTINCT',
    'INTERSECT',
    'EXCEPT',
    'UNION',
    'INSERT',
    'UPDATE',
    'DELETE',
    'VALUES',
  ],
  python: ['def', 'return', 'import', 'class', 'while', 'lambda', 'yield', 'elif', 'else', 'except', 'finally', 'raise'],
  javascript: ['function', 'return', 'const', 'while', 'typeof', 'else', 'catch', 'finally', 'throw', 'switch', 'case', 'class'],
};

/** Up to three broken variants of a valid piece (cut, unbalanced, misspelt keyword), seeded. */
export function mutations(text: string, language: 'sql' | 'python' | 'javascript' | 'json', seed: number): Mutation[] {
  const random = seededRandom('validators-corpus', seed);
  const out: Mutation[] = [];
  const c = cut(text, random);
  if (c !== undefined) out.push({ how: 'cut', text: c });
  const u = unbalance(text, random);
  if (u !== undefined) out.push({ how: 'unbalanced', text: u });
  const m =
    language === 'json'
      ? misspell(text, { keywords: ['true', 'false', 'null'] }, random)
      : misspell(text, { keywords: KEYWORDS[language], flags: language === 'sql' ? 'gi' : 'g' }, random);
  if (m !== undefined) out.push({ how: 'misspelt', text: m });
  return out;
}
