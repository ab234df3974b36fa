// Grammars requested concurrently all load (web-tree-sitter's loader is not re-entrant).
import { describe, expect, it } from 'vitest';
import { checkCode } from './code.ts';

describe('code grammars under concurrency', () => {
  it('loads every grammar when 64 checks in 8 languages start at once', async () => {
    const programs: Record<string, string> = {
      python: 'x = 1\n',
      javascript: 'let x = 1;\n',
      typescript: 'let x: number = 1;\n',
      java: 'class A { int x = 1; }\n',
      c: 'int x = 1;\n',
      cpp: 'int x = 1;\n',
      go: 'package main\nvar x = 1\n',
      rust: 'fn main() { let x = 1; }\n',
    };
    const langs = Object.keys(programs);
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => checkCode(programs[langs[i % 8] as string] as string, langs[i % 8] as string)),
    );
    expect(results.filter((r) => r !== undefined)).toEqual([]);
  });
});
