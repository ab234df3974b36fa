// Table validators: Markdown (GFM) tables with a delimiter row and one column count throughout,
// and CSV with one field count throughout (csv-parse).
import { parse as parseCsv } from 'csv-parse/sync';
import { defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { fail } from './position.ts';

/** Split one Markdown table row into cells (outer pipes optional, `\|` escapes a pipe). */
export function tableCells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && s[i + 1] === '|') {
      cell += '|';
      i++;
    } else if (c === '`') {
      inCode = !inCode;
      cell += c;
    } else if (c === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell.trim());
  return cells;
}

const DELIMITER_CELL = /^:?-+:?$/;

/** Check a Markdown table: header, delimiter row, and every row with the header's column count. */
export function checkMarkdownTable(text: string): ValidationResult {
  const lines = text
    .split('\n')
    .map((l, i) => ({ text: l.replace(/\r$/, ''), line: i + 1 }))
    .filter((l) => l.text.trim() !== '');
  const [header, delimiter, ...rows] = lines;
  if (!header || !delimiter)
    return fail('markdown-table', 'a Markdown table needs a header row and a delimiter row (| --- | --- |)', { line: 1, column: 1 });
  const columns = tableCells(header.text).length;
  const delims = tableCells(delimiter.text);
  if (!delims.every((c) => DELIMITER_CELL.test(c.replace(/\s+/g, '')))) {
    return fail('markdown-table', 'the second row of a Markdown table must be the delimiter row (cells of dashes, like | --- | :---: |)', {
      line: delimiter.line,
      column: 1,
    });
  }
  if (delims.length !== columns) {
    return fail('markdown-table', `the delimiter row has ${delims.length} columns but the header has ${columns}`, {
      line: delimiter.line,
      column: 1,
    });
  }
  for (const row of rows) {
    const n = tableCells(row.text).length;
    if (n !== columns)
      return fail('markdown-table', `this row has ${n} cells but the header has ${columns} columns`, { line: row.line, column: 1 });
  }
  return { ok: true, format: 'markdown-table' };
}

/** Check CSV: well-formed quoting and the same number of fields on every record. */
export function checkCsv(text: string): ValidationResult {
  try {
    const records = parseCsv(text, { skip_empty_lines: true, relax_column_count: false }) as string[][];
    if (records.length === 0) return fail('csv', 'the CSV has no records');
    return { ok: true, format: 'csv' };
  } catch (cause) {
    const e = cause as { message?: string; lines?: number };
    return fail('csv', `invalid CSV: ${e.message ?? String(cause)}`, { line: e.lines, column: 1 });
  }
}

/** Creates the Markdown-table and CSV validator. */
export function tableValidator(): Validator {
  return defineValidator({
    name: 'table',
    formats: ['markdown-table', 'csv'],
    reason: 'invalid-table',
    validate(text, ctx): ValidationResult {
      return ctx.hints?.format === 'csv' ? checkCsv(text) : checkMarkdownTable(text);
    },
  });
}
