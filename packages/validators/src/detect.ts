// Format detection for untagged data (a fence without a language tag, or a bare response).
import { editDistance } from './edit-distance.ts';
import { tableCells } from './table.ts';

const HTML_TAG =
  /^(?:<!--[\s\S]*?-->\s*)?(?:<!doctype html|<(html|head|body|div|span|p|ul|ol|li|table|tr|td|th|form|input|button|a|img|h[1-6]|section|nav|header|footer|main|article|script|style|label|select|textarea|br|hr|em|strong|b|i)\b)/i;
const SQL_HEAD =
  /^\s*(select|insert\s+into|update|delete\s+from|create\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:table|view|index|unique\s+index)|alter\s+table|drop\s+(?:table|view|index)|with(?:\s+recursive)?\s+\w+\s+as\s*\()\b/i;

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

const PROSE_SQL = new RegExp(
  [
    String.raw`^SELECT\s+(?:\*|DISTINCT\b|TOP\b|ALL\b|\d|'|[\w.]+\s*(?:,|\(|\.|[-+*/]|\b(?:FROM|AS|from|as)\b))`,
    String.raw`^INSERT INTO\s+[\w.\`"[\]]+\s*(?:\(|VALUES\b|SELECT\b)`,
    String.raw`^UPDATE\s+[\w.\`"[\]]+\s+SET\b`,
    String.raw`^DELETE FROM\s+[\w.\`"[\]]+\s*(?:$|;|WHERE\b)`,
    String.raw`^CREATE (?:OR REPLACE )?(?:TABLE|VIEW|INDEX|UNIQUE INDEX)\s+(?:IF NOT EXISTS\s+)?[\w.\`"[\]]+\s*(?:\(|AS\b|ON\b)`,
    String.raw`^ALTER TABLE\s+[\w.\`"[\]]+\s+(?:ADD|DROP|RENAME|ALTER|MODIFY)\b`,
    String.raw`^DROP TABLE\s+(?:IF EXISTS\s+)?[\w.\`"[\]]+\s*(?:$|;)`,
    String.raw`^WITH(?: RECURSIVE)? \w+ AS \(`,
  ].join('|'),
);

/**
 * Stricter than looksLikeSql, for SQL found in running prose: the statement must continue the way
 * SQL does ("SELECT name, age FROM", "UPDATE users SET"), so "SELECT statements are..." is prose.
 */
export function looksLikeProseSql(text: string): boolean {
  return PROSE_SQL.test(text.trimStart()) && looksLikeSql(text);
}

/** True when the first two non-blank lines are a Markdown header row and delimiter row, or all lines start with "|". */
export function looksLikeMarkdownTable(text: string): boolean {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length < 2) return false;
  if (lines.every((l) => l.startsWith('|'))) return true;
  const second = lines[1] ?? '';
  return (lines[0] ?? '').includes('|') && second.includes('-') && tableCells(second).every((c) => /^:?-+:?$/.test(c.replace(/\s+/g, '')));
}

function looksLikeCsv(lines: string[]): boolean {
  if (lines.length < 2) return false;
  const header = lines[0] ?? '';
  return (
    lines.every((l) => l.includes(',')) &&
    header.split(',').every((f) => f.trim().length > 0 && f.trim().length <= 40 && !/[.!?]\s/.test(f))
  );
}

function looksLikeYaml(lines: string[]): boolean {
  if (lines.length < 2 || lines[0]?.trim().startsWith('{')) return false;
  const yamlish = lines.filter((l) => /^\s*(?:- |-$|[\w"'.$-][\w"' .$-]*:(?:\s|$)|#|---|\.\.\.)/.test(l)).length;
  return yamlish === lines.length && lines.some((l) => /^\s*[\w"'.$-][\w"' .$-]*:(?:\s|$)/.test(l));
}

/** The programming language a snippet is written in, by telltale constructs; undefined when unsure. */
export function detectLanguage(text: string): string | undefined {
  if (/^\s*package\s+\w+\s*$/m.test(text) || /^func\s+(\(\w+ \*?\w+\)\s*)?\w+\(/m.test(text) || (/:=/.test(text) && /\bfmt\./.test(text)))
    return 'go';
  if (/\bfn\s+\w+\s*(<[^>]*>)?\s*\(/.test(text) || /\blet\s+mut\b/.test(text) || /\b(println|vec)!/.test(text) || /\bimpl\b.*\{/.test(text))
    return 'rust';
  if (
    /\b(public|private|protected)\s+(static\s+)?(final\s+)?(class|interface|void|int|String|boolean)\b/.test(text) ||
    /System\.out\.print/.test(text)
  )
    return 'java';
  if (/#include\s*<(iostream|vector|string|map|algorithm|memory)>|\bstd::|\bcout\s*<<|\btemplate\s*<|\bnamespace\s+\w+/.test(text))
    return 'cpp';
  if (/#include\s*[<"]|\bprintf\s*\(|\bint\s+main\s*\(|\bmalloc\s*\(/.test(text)) return 'c';
  if (
    /^\s*(def\s+\w+\s*\(.*\)\s*(->\s*[^:]+)?:|class\s+\w+(\(.*\))?:|from\s+[\w.]+\s+import\s|import\s+\w+\s*$|if\s+__name__\s*==)/m.test(
      text,
    ) ||
    (/^\s*print\(/m.test(text) && !/;\s*$/m.test(text))
  )
    return 'python';
  const js =
    /\b(function\s*\w*\s*\(|const\s+\w+\s*=|let\s+\w+\s*=|var\s+\w+\s*=|console\.log|=>|module\.exports|export\s+(default|const|function))/.test(
      text,
    );
  if (
    /\binterface\s+\w+\s*\{|\btype\s+\w+\s*=|:\s*(number|string|boolean|void|unknown|any)\b(?!")|\w+<[A-Z]\w*>\(/.test(text) &&
    (js || /\binterface\s+\w+\s*\{/.test(text))
  )
    return 'typescript';
  if (js) return 'javascript';
  return undefined;
}

/** What a text that opens with "{" or "[" is: JSON (valid or broken), Python, JavaScript, other code, or prose. */
export type BracketKind = 'json' | 'python' | 'javascript' | 'code' | 'prose';

// Words outside strings that only Python or only JavaScript writes (JSON has true, false and null).
// Strong ones settle it; weak ones (and, this, new...) also occur in prose, so prose wins over them.
const PYTHON_STRONG = new Set(['None', 'True', 'False', 'lambda', 'def', 'elif']);
const PYTHON_WEAK = new Set(['not', 'and', 'or', 'is', 'print', 'range', 'len', 'self']);
const JS_STRONG = new Set(['function', 'undefined']);
const JS_WEAK = new Set(['new', 'this', 'const', 'let', 'var', 'return', 'typeof', 'async', 'await', 'class']);
const JSON_WORDS = new Set(['true', 'false', 'null']);
/**
 * A JSON literal written wrong, not a name: cut (`tru`, `nul`), misspelt (`ture`, `flase`), in
 * another case (`TRUE`), or what JSON lacks (`NaN`, `Infinity`).
 */
function jsonLiteralTypo(word: string): boolean {
  const w = word.toLowerCase();
  if (/^(?:nan|inf|infinity)$/.test(w)) return true;
  return ['true', 'false', 'null'].some((lit) => lit.startsWith(w) || (w.length >= 3 && w[0] === lit[0] && editDistance(w, lit) <= 2));
}

/**
 * Read a bracketed text token by token outside its strings and say what it is. JSON is what parses,
 * or what has nothing JSON never has: a Python comprehension (`for x in`), None/True/False, lambda,
 * set literals, single-quoted strings or `#` comments are Python; function, `=>`, undefined,
 * spread, optional chaining, comments, template strings or bare-name keys are JavaScript; two bare
 * words in a row are prose; calls, operators and hex numbers are code; other bare names
 * (`{ "default": mod }`) make a JavaScript object. A JSON literal written wrong (`[ true, tru`,
 * `["x", truth]`) stays JSON: that is broken JSON, not another language.
 */
export function bracketKind(text: string): BracketKind {
  const t = text.trim();
  if (parsesAsJson(t)) return 'json';
  const n = { pyStrong: 0, pyWeak: 0, jsStrong: 0, jsWeak: 0, code: 0, prose: 0, identifiers: 0 };
  // A set literal: "{" then a first entry with no ":" ({"a", "b"}) is Python.
  if (/^\{\s*(?:"(?:[^"\\\n]|\\.)*"|-?\d[\d.]*)\s*[,}]/.test(t)) n.pyStrong++;
  let prevWord: string | undefined;
  let sawFor = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      let k = i + 1;
      while (k < t.length && t[k] !== c && (c === '`' || t[k] !== '\n')) k += t[k] === '\\' ? 2 : 1;
      if (c === "'") n.pyWeak++;
      if (c === '`') n.jsWeak++;
      prevWord = undefined;
      i = k;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (c === '/' && (t[i + 1] === '/' || t[i + 1] === '*')) {
      n.jsStrong++; // a comment (Python's floor division sits in a comprehension, which outweighs it)
      const end = t[i + 1] === '/' ? t.indexOf('\n', i) : t.indexOf('*/', i + 2) + 1;
      i = end <= 0 ? t.length : end;
      continue;
    }
    if (c === '#') {
      n.pyWeak++;
      const end = t.indexOf('\n', i);
      i = end < 0 ? t.length : end;
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(t.slice(i, i + 64))?.[0];
    if (word !== undefined) {
      if (PYTHON_STRONG.has(word)) n.pyStrong++;
      else if (PYTHON_WEAK.has(word)) n.pyWeak++;
      else if (JS_STRONG.has(word)) n.jsStrong++;
      else if (JS_WEAK.has(word)) n.jsWeak++;
      if (word === 'for') sawFor = true;
      else if (word === 'in' && sawFor)
        n.pyStrong++; // a comprehension: [x for x in xs]
      else if (!JSON_WORDS.has(word) && !jsonLiteralTypo(word)) n.identifiers++;
      // A bare name as a key ({ mode: 'x' }) is a JavaScript object; in Python it would be a variable.
      if (/^\s*:(?!:)/.test(t.slice(i + word.length, i + word.length + 4)) && /[{,]\s*$/.test(t.slice(Math.max(0, i - 40), i))) n.jsWeak++;
      if (prevWord !== undefined && !JSON_WORDS.has(word) && !JSON_WORDS.has(prevWord)) n.prose++;
      if (/^\s*\(/.test(t.slice(i + word.length, i + word.length + 8)) && !JSON_WORDS.has(word)) n.code++;
      prevWord = word;
      i += word.length - 1;
      continue;
    }
    prevWord = undefined;
    const number = /^-?(?:0[xob][\da-f_]+|[\d_]*\.?\d[\d_]*(?:e[-+]?\d+)?)[jln]?/i.exec(t.slice(i, i + 64))?.[0];
    if (number !== undefined && number !== '' && number !== '-') {
      if (/^-?0[xob]/i.test(number)) n.code++; // JSON numbers are decimal
      i += number.length - 1;
      continue;
    }
    if ('{}[],:'.includes(c)) continue;
    if (t.startsWith('...', i) && /[\w$[{(]/.test(t[i + 3] ?? '')) {
      n.jsStrong++; // spread: [...xs] (Python's Ellipsis is never followed by a name)
      i += 2;
      continue;
    }
    if (c === '?' && t[i + 1] === '.' && !/\d/.test(t[i + 2] ?? '')) {
      n.jsStrong++; // optional chaining: options?.headers
      i++;
    } else if (c === '=' && t[i + 1] === '>') {
      n.jsStrong++;
      i++;
    } else n.code++;
  }
  if (n.pyStrong > 0 && n.pyStrong >= n.jsStrong) return 'python';
  if (n.jsStrong > 0) return 'javascript';
  if (n.prose > 0) return 'prose';
  if (n.pyWeak > 0 && n.pyWeak >= n.jsWeak) return 'python';
  if (n.jsWeak > 0) return 'javascript';
  if (n.code > 0) return 'code';
  // Bare names as keys or values ({ "default": mod }, {a: 1}) are a JavaScript object, not JSON.
  if (n.identifiers > 0) return 'javascript';
  return 'json';
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Opens the way JSON data does: `{"key"`, `{}`, `["..."`, `[1`, `[{`, `[[`, `[]`, `[true`. */
const JSON_HEAD = /^(?:\{\s*(?:"|\})|\[\s*(?:"|-?\d|\{|\[|\]|true\b|false\b|null\b))/;

/**
 * The format of untagged data, or undefined when it does not look like data. `expect` (the format
 * asked for) wins over a weaker guess, but a bracketed text that is Python, JavaScript or prose is
 * never taken for JSON.
 */
export function detectFormat(text: string, expect?: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const lines = t.split('\n').filter((l) => l.trim() !== '');
  // "[section]" alone on the first line opens an INI file, unless the whole text is JSON ("[123]").
  if (/^[{[]/.test(t) && (!/^\[[\w.-]+\]\s*$/.test(lines[0] ?? '') || parsesAsJson(t))) {
    const kind = bracketKind(t);
    if (kind === 'json' && (expect === 'json' || JSON_HEAD.test(t))) return 'json';
    if (kind === 'python') return kind;
    if (kind === 'javascript') return detectLanguage(t) === 'typescript' ? 'typescript' : kind;
    if (kind === 'prose') return undefined;
    if (expect === 'json') return detectLanguage(t);
  }
  if (t.startsWith('<')) return HTML_TAG.test(t) ? 'html' : 'xml';
  if (looksLikeSql(t)) return 'sql';
  if (looksLikeMarkdownTable(t)) return 'markdown-table';
  if (/^\\begin\{|^\$\$|^\\\[|\\frac\{|\\sum_|\\int_/.test(t)) return 'latex';
  const language = detectLanguage(t);
  if (
    expect !== undefined &&
    language !== undefined &&
    ['javascript', 'typescript'].includes(expect) &&
    ['javascript', 'typescript'].includes(language)
  )
    return expect;
  if (language) return language;
  if (expect === 'csv' || expect === 'yaml') return expect;
  if (looksLikeYaml(lines)) return 'yaml';
  if (looksLikeCsv(lines)) return 'csv';
  return expect;
}
