// Data blocks for complicate-input: a short, valid block of each format built from the task's
// words, and a broken variant of each (the `broken-format` fault) that its validator must reject.
import { pick } from './hash.ts';
import { BANKS, ident } from './lexicon.ts';

/** Formats the simulator can write, with the fence language and the label it uses in prose. */
export const FORMAT_INFO: Readonly<Record<string, { fence: string; label: string; code: boolean }>> = {
  json: { fence: 'json', label: 'JSON', code: false },
  sql: { fence: 'sql', label: 'SQL', code: false },
  python: { fence: 'python', label: 'Python', code: true },
  javascript: { fence: 'javascript', label: 'JavaScript', code: true },
  typescript: { fence: 'typescript', label: 'TypeScript', code: true },
  java: { fence: 'java', label: 'Java', code: true },
  c: { fence: 'c', label: 'C', code: true },
  cpp: { fence: 'cpp', label: 'C++', code: true },
  go: { fence: 'go', label: 'Go', code: true },
  rust: { fence: 'rust', label: 'Rust', code: true },
  'markdown-table': { fence: 'markdown', label: 'Markdown table', code: false },
  csv: { fence: 'csv', label: 'CSV', code: false },
  yaml: { fence: 'yaml', label: 'YAML', code: false },
  xml: { fence: 'xml', label: 'XML', code: false },
  html: { fence: 'html', label: 'HTML', code: false },
  latex: { fence: 'latex', label: 'LaTeX', code: false },
};

interface Row {
  name: string;
  category: string;
  amount: number;
}

type Writer = (topic: string, rows: Row[]) => string;

const q = (s: string) => JSON.stringify(s);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const WRITERS: Record<string, Writer> = {
  json: (topic, rows) => JSON.stringify({ topic, items: rows }, null, 2),
  sql: (topic, rows) =>
    [
      `CREATE TABLE ${topic}_items (name TEXT NOT NULL, category TEXT, amount INTEGER);`,
      `INSERT INTO ${topic}_items VALUES ${rows.map((r) => `('${r.name}', '${r.category}', ${r.amount})`).join(', ')};`,
      `SELECT name FROM ${topic}_items WHERE amount > 10;`,
    ].join('\n'),
  python: (_topic, rows) =>
    [
      'items = [',
      ...rows.map((r) => `    {"name": ${q(r.name)}, "category": ${q(r.category)}, "amount": ${r.amount}},`),
      ']',
      '',
      '',
      'def total(rows):',
      '    return sum(row["amount"] for row in rows)',
    ].join('\n'),
  javascript: (_topic, rows) =>
    [
      'const items = [',
      ...rows.map((r) => `  { name: '${r.name}', category: '${r.category}', amount: ${r.amount} },`),
      '];',
      '',
      'function total(rows) {',
      '  return rows.reduce((sum, row) => sum + row.amount, 0);',
      '}',
    ].join('\n'),
  typescript: (_topic, rows) =>
    [
      'interface Item { name: string; category: string; amount: number }',
      '',
      'const items: Item[] = [',
      ...rows.map((r) => `  { name: '${r.name}', category: '${r.category}', amount: ${r.amount} },`),
      '];',
    ].join('\n'),
  java: (topic, rows) =>
    [
      `public class ${cap(topic)}Data {`,
      `    static final String[] NAMES = {${rows.map((r) => q(r.name)).join(', ')}};`,
      `    static final int[] AMOUNTS = {${rows.map((r) => r.amount).join(', ')}};`,
      '',
      '    public static void main(String[] args) {',
      '        System.out.println(NAMES.length + AMOUNTS.length);',
      '    }',
      '}',
    ].join('\n'),
  c: (_topic, rows) =>
    [
      '#include <stdio.h>',
      '',
      'struct item { const char *name; int amount; };',
      '',
      `static const struct item items[] = { ${rows.map((r) => `{${q(r.name)}, ${r.amount}}`).join(', ')} };`,
      '',
      'int main(void) {',
      '    printf("%d\\n", items[0].amount);',
      '    return 0;',
      '}',
    ].join('\n'),
  cpp: (_topic, rows) =>
    [
      '#include <string>',
      '#include <vector>',
      '',
      'struct Item { std::string name; int amount; };',
      '',
      `const std::vector<Item> items = { ${rows.map((r) => `{${q(r.name)}, ${r.amount}}`).join(', ')} };`,
    ].join('\n'),
  go: (_topic, rows) =>
    [
      'package main',
      '',
      'import "fmt"',
      '',
      'type Item struct {',
      '\tName   string',
      '\tAmount int',
      '}',
      '',
      'func main() {',
      `\titems := []Item{${rows.map((r) => `{${q(r.name)}, ${r.amount}}`).join(', ')}}`,
      '\tfmt.Println(len(items))',
      '}',
    ].join('\n'),
  rust: (_topic, rows) =>
    [
      "struct Item { name: &'static str, amount: u32 }",
      '',
      'fn main() {',
      `    let items = [${rows.map((r) => `Item { name: ${q(r.name)}, amount: ${r.amount} }`).join(', ')}];`,
      '    println!("{} {}", items[0].name, items[0].amount);',
      '}',
    ].join('\n'),
  'markdown-table': (_topic, rows) =>
    ['| name | category | amount |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.name} | ${r.category} | ${r.amount} |`)].join('\n'),
  csv: (_topic, rows) => ['name,category,amount', ...rows.map((r) => `${r.name},${r.category},${r.amount}`)].join('\n'),
  yaml: (topic, rows) =>
    [
      `topic: ${topic}`,
      'items:',
      ...rows.flatMap((r) => [`  - name: ${r.name}`, `    category: ${r.category}`, `    amount: ${r.amount}`]),
    ].join('\n'),
  xml: (topic, rows) =>
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<items topic="${topic}">`,
      ...rows.map((r) => `  <item name="${r.name}" category="${r.category}" amount="${r.amount}"/>`),
      '</items>',
    ].join('\n'),
  html: (topic, rows) =>
    [`<ul class="${topic}">`, ...rows.map((r) => `  <li>${r.name} (${r.category}): ${r.amount}</li>`), '</ul>'].join('\n'),
  latex: (_topic, rows) => `$$ ${rows.map((r) => r.amount).join(' + ')} = ${rows.reduce((n, r) => n + r.amount, 0)} $$`,
};

/** Ways to break a valid block of each kind; each one makes the block fail its format's parser. */
const BREAKERS: Record<string, ((text: string) => string)[]> = {
  json: [
    (t) => t.slice(0, t.lastIndexOf('}')), // unbalanced braces
    (t) => t.replace(/\n {2}\]/, ',\n  ]'), // trailing comma
  ],
  sql: [
    (t) => `${t.split('\n').slice(0, 2).join('\n').slice(0, -9)}`, // truncated INSERT
    (t) => t.replace('amount INTEGER);', 'amount INTEGER;'), // unbalanced parenthesis
  ],
  python: [
    (t) => t.replace('\n]\n', '\n\n'), // missing bracket
    (t) => t.replace('\n    return', '\nreturn'), // bad indentation
    (t) => t.replace(/"amount": (\d+)\},/, '"amount: $1},'), // unterminated string
  ],
  braces: [
    (t) => t.slice(0, t.lastIndexOf('}')), // missing closing brace
    (t) => t.replace(/"([a-z0-9]+)"/, '"$1'), // unterminated string
  ],
  ts: [
    (t) => t.replace('\n];', '\n;'), // missing bracket
    (t) => t.replace(/'([a-z0-9]+)',/, "'$1,"), // unterminated string
  ],
  table: [
    (t) => {
      const lines = t.split('\n');
      lines[lines.length - 1] += ' extra |';
      return lines.join('\n');
    }, // ragged row
    (t) => {
      const lines = t.split('\n');
      lines[2] = (lines[2] ?? '').replace(/ \| [^|]+ \|$/, ' |');
      return lines.join('\n');
    },
  ],
  csv: [
    (t) => {
      const lines = t.split('\n');
      lines[1] = (lines[1] ?? '').replace(/,[^,]*$/, '');
      return lines.join('\n');
    },
  ],
  yaml: [(t) => `${t}\ntags: [${t.length % 2 === 0 ? 'alpha, beta' : 'gamma'}`, (t) => t.replace('items:', 'items: "open')],
  xml: [(t) => t.replace('</items>', '</itemz>'), (t) => t.replace('</items>', '')],
  html: [(t) => t.replace('</ul>', '</ol>')],
  latex: [(t) => t.replace(' = ', ' = \\frac{1}{ ')],
};

const BREAK_KIND: Record<string, string> = {
  javascript: 'ts',
  java: 'braces',
  c: 'braces',
  cpp: 'braces',
  go: 'braces',
  rust: 'braces',
  typescript: 'ts',
  'markdown-table': 'table',
};

/** A short data block of `format` about `topicWords`; broken in its format when `broken`. */
export function dataBlock(
  { format, topicWords, broken = false }: { format: string; topicWords: readonly string[]; broken?: boolean },
  r: () => number,
): { fence: string; label: string; code: boolean; text: string } {
  const known = FORMAT_INFO[format] ? format : 'json';
  const info = FORMAT_INFO[known] as { fence: string; label: string; code: boolean };
  const topic = ident(topicWords[0], 'records');
  const verbose = info.code && known !== 'python' && known !== 'javascript' && known !== 'typescript';
  const n = verbose ? 2 : 3;
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({ name: ident(topicWords[i + 1], `${topic}${i + 1}`), category: pick(BANKS.noun, r), amount: 5 + Math.floor(r() * 95) });
  }
  let text = (WRITERS[known] as Writer)(topic, rows);
  if (broken) {
    const ways = BREAKERS[BREAK_KIND[known] ?? known] ?? [];
    const first = Math.floor(r() * ways.length);
    // The chosen way, or the next one that changes the text (a pattern may not occur in this block).
    for (let i = 0; i < ways.length; i++) {
      const broken = (ways[(first + i) % ways.length] as (t: string) => string)(text);
      if (broken !== text) {
        text = broken;
        break;
      }
    }
  }
  return { ...info, text };
}
