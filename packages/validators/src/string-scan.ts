// Finds an unterminated string or character literal in C-family source. tree-sitter often wraps
// such a line in an ERROR node that starts far above it; this places the error on the right line.
import type { ValidationIssue } from '@evolflow/core';

/** The first unterminated one-line string literal, for C, C++, Java, JavaScript, TypeScript and Go. */
export function findUnterminatedString(src: string, language: string): ValidationIssue | undefined {
  const chars = language === 'rust' ? '' : language === 'go' ? '"\'' : '"\'';
  const multi = language === 'javascript' || language === 'typescript' || language === 'go' ? '`' : '';
  let line = 1;
  let lineStart = 0;
  /** Count the line breaks in [from, to) as the scan skips over them. */
  const skip = (from: number, to: number): void => {
    for (let k = from; k < to && k < src.length; k++) {
      if (src[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end - 1;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      skip(i, stop);
      i = stop - 1;
    } else if (language === 'java' && src.startsWith('"""', i)) {
      const end = src.indexOf('"""', i + 3);
      const stop = end < 0 ? src.length : end + 3;
      skip(i, stop);
      i = stop - 1;
    } else if (multi.includes(c)) {
      let k = i + 1;
      while (k < src.length && src[k] !== c) {
        if (src[k] === '\\' && language !== 'go') k++;
        k++;
      }
      skip(i, k);
      i = k;
    } else if (chars.includes(c)) {
      let k = i + 1;
      while (k < src.length && src[k] !== c && src[k] !== '\n') {
        if (src[k] === '\\') k++;
        k++;
      }
      if (k >= src.length || src[k] === '\n') {
        const kind = c === '"' ? 'string' : 'character';
        return { message: `${language} syntax error: unterminated ${kind} literal`, line, column: i - lineStart + 1 };
      }
      i = k;
    }
  }
  return undefined;
}
