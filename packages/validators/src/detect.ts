// Format detection for untagged data (a fence without a language tag, or a bare response).
import { tableCells } from './table.ts';

const HTML_TAG = /^(?:<!--[\s\S]*?-->\s*)?(?:<!doctype html|<(html|head|body|div|span|p|ul|ol|li|table|tr|td|th|form|input|button|a|img|h[1-6]|section|nav|header|footer|main|article|script|style|label|select|textarea|br|hr|em|strong|b|i)\b)/i;
const SQL_HEAD = /^\s*(select|insert\s+into|update|delete\s+from|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:table|view|index|unique\s+index)|alter\s+table|drop\s+(?:table|view|index)|with(?:\s+recursive)?\s+\w+\s+as\s*\()\b/i;

/** True when `text` starts like a SQL statement with the clause its verb needs (SELECT ... FROM ...). */
export function looksLikeSql(text: string): boolean {
  const m = SQL_HEAD.exec(text);
  if (!m) return false;
  const verb = (m[1] ?? '').toLowerCase();
  if (verb === 'select') return /\bfrom\b/i.test(text) || /^\s*select\s+[\w(*'"0-9-][^\n]*;?\s*$/i.test(text.trim());
  if (verb.startsWith('update')) return /\bset\b/i.test(text);
  if (verb.startsWith('insert')) return /\b(values|select)\b/i.test(text);
  return true;
}

const PROSE_SQL = new RegExp([
  String.raw`^SELECT\s+(?:\*|DISTINCT\b|TOP\b|ALL\b|\d|'|[\w.]+\s*(?:,|\(|\.|[-+*/]|\b(?:FROM|AS|from|as)\b))`,
  String.raw`^INSERT INTO\s+[\w.\`"[\]]+\s*(?:\(|VALUES\b|SELECT\b)`,
  String.raw`^UPDATE\s+[\w.\`"[\]]+\s+SET\b`,
  String.raw`^DELETE FROM\s+[\w.\`"[\]]+\s*(?:$|;|WHERE\b)`,
  String.raw`^CREATE (?:OR REPLACE )?(?:TABLE|VIEW|INDEX|UNIQUE INDEX)\s+(?:IF NOT EXISTS\s+)?[\w.\`"[\]]+\s*(?:\(|AS\b|ON\b)`,
  String.raw`^ALTER TABLE\s+[\w.\`"[\]]+\s+(?:ADD|DROP|RENAME|ALTER|MODIFY)\b`,
  String.raw`^DROP TABLE\s+(?:IF EXISTS\s+)?[\w.\`"[\]]+\s*(?:$|;)`,
  String.raw`^WITH(?: RECURSIVE)? \w+ AS \(`,
].join('|'));

/**
 * Stricter than looksLikeSql, for SQL found in running prose: the statement must continue the way
 * SQL does ("SELECT name, age FROM", "UPDATE users SET"), so "SELECT statements are..." is prose.
 */
export function looksLikeProseSql(text: string): boolean {
  return PROSE_SQL.test(text.trimStart()) && looksLikeSql(text);
}

/** True when the first two non-blank lines are a Markdown header row and delimiter row, or all lines start with "|". */
export function looksLikeMarkdownTable(text: string): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 2) return false;
  if (lines.every((l) => l.startsWith('|'))) return true;
  const second = lines[1] ?? '';
  return (lines[0] ?? '').includes('|') && second.includes('-') && tableCells(second).every((c) => /^:?-+:?$/.test(c.replace(/\s+/g, '')));
}

function looksLikeCsv(lines: string[]): boolean {
  if (lines.length < 2) return false;
  const header = lines[0] ?? '';
  return lines.every((l) => l.includes(',')) && header.split(',').every((f) => f.trim().length > 0 && f.trim().length <= 40 && !/[.!?]\s/.test(f));
}

function looksLikeYaml(lines: string[]): boolean {
  if (lines.length < 2 || lines[0]?.trim().startsWith('{')) return false;
  const yamlish = lines.filter((l) => /^\s*(?:- |-$|[\w"'.$-][\w"' .$-]*:(?:\s|$)|#|---|\.\.\.)/.test(l)).length;
  return yamlish === lines.length && lines.some((l) => /^\s*[\w"'.$-][\w"' .$-]*:(?:\s|$)/.test(l));
}

/** The programming language a snippet is written in, by telltale constructs; undefined when unsure. */
export function detectLanguage(text: string): string | undefined {
  if (/^\s*package\s+\w+\s*$/m.test(text) || /^func\s+(\(\w+ \*?\w+\)\s*)?\w+\(/m.test(text) || /:=/.test(text) && /\bfmt\./.test(text)) return 'go';
  if (/\bfn\s+\w+\s*(<[^>]*>)?\s*\(/.test(text) || /\blet\s+mut\b/.test(text) || /\b(println|vec)!/.test(text) || /\bimpl\b.*\{/.test(text)) return 'rust';
  if (/\b(public|private|protected)\s+(static\s+)?(final\s+)?(class|interface|void|int|String|boolean)\b/.test(text) || /System\.out\.print/.test(text)) return 'java';
  if (/#include\s*<(iostream|vector|string|map|algorithm|memory)>|\bstd::|\bcout\s*<<|\btemplate\s*<|\bnamespace\s+\w+/.test(text)) return 'cpp';
  if (/#include\s*[<"]|\bprintf\s*\(|\bint\s+main\s*\(|\bmalloc\s*\(/.test(text)) return 'c';
  if (/^\s*(def\s+\w+\s*\(.*\)\s*(->\s*[^:]+)?:|class\s+\w+(\(.*\))?:|from\s+[\w.]+\s+import\s|import\s+\w+\s*$|if\s+__name__\s*==)/m.test(text) || /^\s*print\(/m.test(text) && !/;\s*$/m.test(text)) return 'python';
  const js = /\b(function\s*\w*\s*\(|const\s+\w+\s*=|let\s+\w+\s*=|var\s+\w+\s*=|console\.log|=>|module\.exports|export\s+(default|const|function))/.test(text);
  if (/\binterface\s+\w+\s*\{|\btype\s+\w+\s*=|:\s*(number|string|boolean|void|unknown|any)\b(?!")|\w+<[A-Z]\w*>\(/.test(text) && (js || /\binterface\s+\w+\s*\{/.test(text))) return 'typescript';
  if (js) return 'javascript';
  return undefined;
}

/**
 * The format of untagged data, or undefined when it does not look like data. `expect` (the format
 * asked for) wins over a weaker guess.
 */
export function detectFormat(text: string, expect?: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const lines = t.split('\n').filter((l) => l.trim() !== '');
  if (/^[{[]/.test(t) && !/^\[[\w.-]+\]\s*$/m.test(lines[0] ?? '')) return 'json';
  if (t.startsWith('<')) return HTML_TAG.test(t) ? 'html' : 'xml';
  if (looksLikeSql(t)) return 'sql';
  if (looksLikeMarkdownTable(t)) return 'markdown-table';
  if (/^\\begin\{|^\$\$|^\\\[|\\frac\{|\\sum_|\\int_/.test(t)) return 'latex';
  const language = detectLanguage(t);
  if (expect !== undefined && language !== undefined && ['javascript', 'typescript'].includes(expect) && ['javascript', 'typescript'].includes(language)) return expect;
  if (language) return language;
  if (expect === 'csv' || expect === 'yaml') return expect;
  if (looksLikeYaml(lines)) return 'yaml';
  if (looksLikeCsv(lines)) return 'csv';
  return expect;
}
