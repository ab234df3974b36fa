// Offsets to 1-based line and column, and small helpers every validator uses to report issues.
import type { ValidationIssue, ValidationResult } from '@evolflow/core';

/** The 1-based line and column of a character offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A failed result with the issue placed at `offset` in `text`. */
export function failAt(format: string, text: string, { message, offset }: { message: string; offset: number }): ValidationResult {
  return { ok: false, format, error: { message, ...positionAt(text, offset) } };
}

/** A failed result; `line`/`column` are copied only when known. */
export function fail(
  format: string,
  message: string,
  where: { line?: number | undefined; column?: number | undefined } = {},
): ValidationResult {
  const error: ValidationIssue = { message };
  if (where.line !== undefined) error.line = where.line;
  if (where.column !== undefined) error.column = where.column;
  return { ok: false, format, error };
}
