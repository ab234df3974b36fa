// Python's indentation rules, which tree-sitter's Python grammar tolerates: an indented block after
// a line ending in ':', no unexpected indent, and dedents that return to an outer level.
import type { ValidationIssue } from '@evolflow/core';

/** Measure leading white space as Python does (a tab advances to the next multiple of 8). */
function indentOf(line: string): { width: number; chars: number } {
  let width = 0;
  let chars = 0;
  for (; chars < line.length; chars++) {
    const c = line[chars];
    if (c === ' ') width++;
    else if (c === '\t') width = (Math.floor(width / 8) + 1) * 8;
    else if (c !== '\f') break;
  }
  return { width, chars };
}

/** The first indentation error in Python source, with its 1-based line and column, if any. */
export function checkPythonIndentation(src: string): ValidationIssue | undefined {
  const stack = [0];
  const lines = src.split('\n');
  let quote: string | null = null;
  let depth = 0;
  let continuation = false;
  let expectIndent = false;
  let last = '';
  for (let li = 0; li < lines.length; li++) {
    const line = (lines[li] ?? '').replace(/\r$/, '');
    let i = 0;
    if (quote === null && depth === 0 && !continuation) {
      const { width, chars } = indentOf(line);
      const rest = line.slice(chars);
      if (rest === '' || rest.startsWith('#')) continue;
      const at = { line: li + 1, column: chars + 1 };
      const top = stack[stack.length - 1] ?? 0;
      if (expectIndent) {
        if (width <= top) return { message: 'IndentationError: expected an indented block', ...at };
        stack.push(width);
        expectIndent = false;
      } else if (width > top) {
        return { message: 'IndentationError: unexpected indent', ...at };
      } else if (width < top) {
        while (stack.length > 1 && width < (stack[stack.length - 1] ?? 0)) stack.pop();
        if (width !== stack[stack.length - 1])
          return { message: 'IndentationError: unindent does not match any outer indentation level', ...at };
      }
      last = '';
      i = chars;
    }
    continuation = false;
    for (; i < line.length; i++) {
      const c = line[i] as string;
      if (quote !== null) {
        if (c === '\\') {
          if (i === line.length - 1) continuation = true;
          i++;
        } else if (quote.length === 3 ? line.startsWith(quote, i) : c === quote) {
          i += quote.length - 1;
          quote = null;
          last = c;
        }
        continue;
      }
      if (c === '#') break;
      if (c === '"' || c === "'") {
        quote = line.startsWith(c + c + c, i) ? c + c + c : c;
        i += quote.length - 1;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
      if (c === '\\' && line.slice(i + 1).trim() === '') {
        continuation = true;
        break;
      }
      if (c !== ' ' && c !== '\t') last = c;
    }
    // An unterminated one-line string ends at the line's end (tree-sitter reports it).
    if (quote !== null && quote.length === 1 && !continuation) quote = null;
    if (quote === null && depth === 0 && !continuation && last === ':') expectIndent = true;
  }
  if (expectIndent) return { message: 'IndentationError: expected an indented block, found end of input', line: lines.length, column: 1 };
  return undefined;
}
