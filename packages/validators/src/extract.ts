// Extraction: find the embedded data in a text (fenced blocks with or without a language tag,
// Markdown tables, display math, XML/HTML blocks, SQL statements, inline JSON objects and arrays)
// and name each piece's format. Prose is left alone: only what is reasonably data becomes a piece.
import { bracketKind, detectFormat, looksLikeProseSql } from './detect.ts';
import { normalizeFormat } from './formats.ts';

/** A piece of embedded data found in a text. */
export interface Piece {
  format: string;
  text: string;
  /** 1-based line in the whole text where the piece starts. */
  line: number;
  /** True when fenced with a language tag. */
  tagged: boolean;
  /** 1-based column where the piece starts on its first line (1 unless it starts mid-line). */
  column?: number;
  /** The fence's language tag as written, when there was one. */
  tag?: string;
}

export interface ExtractOptions {
  /** The format asked for; untagged fences that could be it are taken as it. */
  expect?: string;
}

interface Span {
  start: number;
  end: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`{]*)[^\n`]*$/;

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Extract every piece of embedded data in `text`, in document order. */
export function extractPieces(text: string, options: ExtractOptions = {}): Piece[] {
  const starts = lineStarts(text);
  const pieces: (Piece & { offset: number })[] = [];
  const claimed: Span[] = [];
  const free = (start: number, end: number): boolean => claimed.every((s) => end <= s.start || start >= s.end);
  const add = (format: string, [start, end]: readonly [number, number], extra: { tagged?: boolean; tag?: string } = {}): void => {
    // Trim surrounding blank space but keep the piece's own indentation on its first line.
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s] ?? '') && (text[s] === '\n' || text[s] === '\r' || !/\n/.test(text.slice(s, e)))) s++;
    while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
    claimed.push({ start, end });
    if (e <= s) return;
    const line = lineOf(starts, s);
    const piece: Piece & { offset: number } = { format, text: text.slice(s, e), line: line + 1, tagged: extra.tagged ?? false, offset: s };
    const column = s - (starts[line] ?? 0) + 1;
    if (column > 1) piece.column = column;
    if (extra.tag !== undefined) piece.tag = extra.tag;
    pieces.push(piece);
  };

  // 1. Fenced blocks.
  for (let li = 0; li < starts.length; li++) {
    const lineText = text.slice(starts[li], (starts[li + 1] ?? text.length + 1) - 1);
    const open = FENCE_OPEN.exec(lineText);
    if (!open) continue;
    const fence = open[1] as string;
    const tag = open[2] ?? '';
    let close = li + 1;
    const closer = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (close < starts.length && !closer.test(text.slice(starts[close], (starts[close + 1] ?? text.length + 1) - 1))) close++;
    const bodyStart = starts[li + 1] ?? text.length;
    const bodyEnd = close < starts.length ? (starts[close] ?? text.length) : text.length;
    const fenceEnd = close < starts.length ? (starts[close + 1] ?? text.length) : text.length;
    const body = text.slice(bodyStart, bodyEnd);
    claimed.push({ start: starts[li] ?? 0, end: fenceEnd });
    if (tag !== '') {
      const format = normalizeFormat(tag);
      if (format === 'markdown-table' && /^(md|markdown)$/i.test(tag)) {
        // A Markdown fence: only the tables inside it are data.
        for (const inner of extractPieces(body).filter((p) => p.format === 'markdown-table')) {
          add(
            'markdown-table',
            [
              bodyStart + (starts[lineOf(starts, bodyStart) + inner.line - 1] ?? 0) - (starts[lineOf(starts, bodyStart)] ?? 0),
              bodyStart +
                (starts[lineOf(starts, bodyStart) + inner.line - 1] ?? 0) -
                (starts[lineOf(starts, bodyStart)] ?? 0) +
                inner.text.length,
            ],
            { tagged: true, tag },
          );
        }
      } else {
        add(format, [bodyStart, bodyEnd], { tagged: true, tag });
      }
    } else {
      add(detectFormat(body, options.expect) ?? 'text', [bodyStart, bodyEnd]);
    }
    li = close;
  }

  // 2. Markdown tables: runs of lines that start with "|", or a header row over a delimiter row.
  for (let li = 0; li < starts.length; li++) {
    const get = (k: number): string => text.slice(starts[k], (starts[k + 1] ?? text.length + 1) - 1);
    const isRow = (k: number): boolean => k < starts.length && get(k).trim().startsWith('|');
    const isDelimiter = (k: number): boolean =>
      k < starts.length && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(get(k)) && get(k).includes('-');
    const headerHere = (isRow(li) && isRow(li + 1)) || (get(li).includes('|') && isDelimiter(li + 1));
    if (!headerHere || !free(starts[li] ?? 0, starts[li] ?? 0)) continue;
    let end = li + 1;
    while (end < starts.length && get(end).includes('|') && get(end).trim() !== '') end++;
    add('markdown-table', [starts[li] ?? 0, (starts[end] ?? text.length + 1) - 1]);
    li = end - 1;
  }

  // 3. Display math.
  for (const m of text.matchAll(
    /\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|\\begin\{(equation|align|gather|multline)\*?\}[\s\S]*?\\end\{\1\*?\}/g,
  )) {
    if (free(m.index, m.index + m[0].length)) add('latex', [m.index, m.index + m[0].length]);
  }

  // 4. XML / HTML blocks: a line that opens with a tag, up to the next blank line.
  for (const m of text.matchAll(/^[ \t]*<(\?xml|!doctype|[a-zA-Z][\w:-]*)[^>\n]*>[\s\S]*?(?=\n[ \t]*\n|$(?![\s\S]))/gim)) {
    if (!free(m.index, m.index + m[0].length)) continue;
    const block = m[0];
    if (!/<\/[a-zA-Z]|\/>/.test(block) && !/^\s*<\?xml/i.test(block)) continue; // a lone "<word>" in prose
    add(detectFormat(block) === 'html' ? 'html' : 'xml', [m.index, m.index + block.length]);
  }

  // 5. SQL statements: upper-case keywords at a line start, after ": " or in backticks.
  const SQL_START =
    /(^|[:>]\s+|`)[ \t]*(?=(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE (?:OR REPLACE )?(?:TABLE|VIEW|INDEX|UNIQUE INDEX)|ALTER TABLE|DROP TABLE|WITH(?: RECURSIVE)? \w+ AS \()\b)/gm;
  const CONTINUES =
    /^\s*(?:$|[(),]|(?:FROM|WHERE|JOIN|LEFT|RIGHT|INNER|OUTER|FULL|CROSS|GROUP|ORDER|HAVING|LIMIT|OFFSET|UNION|INTERSECT|EXCEPT|AND|OR|ON|SET|VALUES|AS|SELECT|WHEN|THEN|ELSE|END|CASE|RETURNING|NOT|IN|BY)\b)|^[ \t]+\S/;
  for (const m of text.matchAll(SQL_START)) {
    const start = m.index + m[0].length;
    if (!free(start, start + 1)) continue;
    const inTicks = m[1] === '`';
    const lineStart = /^\s*$/.test(text.slice(starts[lineOf(starts, start)] ?? 0, start).replace(/^\s*(?:[-*+]|\d+[.)])\s/, ''));
    let end = start;
    let quote = '';
    for (; end < text.length; end++) {
      const c = text[end] as string;
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === "'" || c === '"') quote = c;
      else if (c === ';') {
        end++;
        break;
      } else if (c === '`' && inTicks) break;
      else if (c === '.' && !inTicks && /^\s+[A-Z][a-z]/.test(text.slice(end + 1, end + 4)))
        break; // ". Then explain" ends an inline query
      else if (c === '\n') {
        const next = text.slice(end + 1, text.indexOf('\n', end + 1) < 0 ? text.length : text.indexOf('\n', end + 1));
        if (inTicks || !lineStart || next.trim() === '' || !CONTINUES.test(next)) break;
      }
    }
    let stmt = text.slice(start, end);
    if (!inTicks && !lineStart) stmt = stmt.replace(/\.\s*$/, ''); // sentence punctuation after an inline query
    if (!looksLikeProseSql(stmt)) continue;
    add('sql', [start, start + stmt.length]);
  }

  // 6. Inline JSON objects and arrays that are reasonably data.
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '{' && c !== '[') continue;
    if (!free(i, i + 1)) continue;
    const head = text.slice(i, i + 80);
    const strict =
      c === '{'
        ? /^\{\s*"[^"\n]*"\s*:/.test(head)
        : /^\[\s*(?:\{\s*"|"[^"\n]*"\s*,|\[|-?\d+(?:\.\d+)?\s*,|true\s*,|false\s*,|null\s*,)/.test(head);
    const loose = options.expect === 'json' && (c === '{' ? /^\{\s*['\w]+\s*:/.test(head) : /^\[\s*\{/.test(head));
    if (!strict && !loose) continue;
    const paragraphEnd = (() => {
      const blank = /\n[ \t]*\n/g;
      blank.lastIndex = i;
      const b = blank.exec(text);
      return b ? b.index : text.length;
    })();
    let depth = 0;
    let inString = false;
    let end = -1;
    for (let k = i; k < paragraphEnd; k++) {
      const ch = text[k];
      if (inString) {
        if (ch === '\\') k++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) {
          end = k + 1;
          break;
        }
      }
    }
    if (end < 0) {
      // Unterminated: the rest of the paragraph is the (broken) piece, when it clearly meant to be JSON
      // (not "the interval [0, 1)").
      if (!/^(?:\{\s*"|\[\s*[{["])/.test(head)) continue;
      end = paragraphEnd;
    }
    if (!free(i, end)) continue;
    // A template with placeholders ({"name": ..., "age": <number>}) describes data; it is not data.
    if (/(?::|,|\[)\s*(?:\.\.\.|…|<[^>"]*>)/.test(text.slice(i, end).replace(/"(?:[^"\\]|\\.)*"/g, '""'))) continue;
    // A Python dict or list comprehension, a JavaScript object with functions, prose in brackets: not JSON.
    if (bracketKind(text.slice(i, end)) !== 'json') {
      i = end - 1;
      continue;
    }
    add('json', [i, end]);
    i = end - 1;
  }

  pieces.sort((a, b) => a.offset - b.offset);
  return pieces.map(({ offset: _offset, ...piece }) => piece);
}
