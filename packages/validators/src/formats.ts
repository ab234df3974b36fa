// Format names shared by extraction, validators and policy, and the fence tags that map onto them.

/** Every format the built-in validators check (what complicate-input records in `record.format`). */
export const FORMATS = [
  'json',
  'sql',
  'python',
  'javascript',
  'typescript',
  'java',
  'c',
  'cpp',
  'go',
  'rust',
  'markdown-table',
  'csv',
  'yaml',
  'xml',
  'html',
  'latex',
] as const;

export type FormatName = (typeof FORMATS)[number];

/** The programming languages the code validator parses. */
export const CODE_FORMATS: readonly string[] = ['python', 'javascript', 'typescript', 'java', 'c', 'cpp', 'go', 'rust'];

const ALIASES: Readonly<Record<string, string>> = {
  json: 'json',
  jsonc: 'json',
  json5: 'json',
  jsonl: 'json',
  geojson: 'json',
  sql: 'sql',
  mysql: 'sql',
  postgresql: 'sql',
  postgres: 'sql',
  psql: 'sql',
  pgsql: 'sql',
  sqlite: 'sql',
  plsql: 'sql',
  tsql: 'sql',
  't-sql': 'sql',
  mssql: 'sql',
  bigquery: 'sql',
  python: 'python',
  py: 'python',
  python3: 'python',
  py3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  tsx: 'typescript',
  java: 'java',
  c: 'c',
  h: 'c',
  cpp: 'cpp',
  'c++': 'cpp',
  cxx: 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  go: 'go',
  golang: 'go',
  rust: 'rust',
  rs: 'rust',
  'markdown-table': 'markdown-table',
  markdown: 'markdown-table',
  md: 'markdown-table',
  table: 'markdown-table',
  'markdown table': 'markdown-table',
  csv: 'csv',
  yaml: 'yaml',
  yml: 'yaml',
  xml: 'xml',
  svg: 'xml',
  xsd: 'xml',
  xslt: 'xml',
  rss: 'xml',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  latex: 'latex',
  tex: 'latex',
  math: 'latex',
  katex: 'latex',
};

/**
 * The format a fence tag or a config value names (`py` -> `python`, `c++` -> `cpp`), or the tag
 * itself, lower-cased, when it names nothing we validate (`bash`, `ruby`).
 */
export function normalizeFormat(tag: string): string {
  const key = tag.trim().toLowerCase();
  return ALIASES[key] ?? key;
}

/** True when `format` is one we have a built-in validator for. */
export function isKnownFormat(format: string): format is FormatName {
  return (FORMATS as readonly string[]).includes(format);
}
