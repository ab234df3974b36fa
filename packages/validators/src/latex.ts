// The LaTeX validator: math is parsed with KaTeX; a whole document is checked for balanced braces
// and \begin/\end pairs, and the math inside it is parsed with KaTeX.
import katex from 'katex';
import { defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { failAt } from './position.ts';

const MATH =
  /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<!\\)\$([^$\n]+?)\$|\\begin\{(equation|align|gather|multline)(\*?)\}([\s\S]*?)\\end\{\5\6\}/g;

function katexError(math: string): { message: string; offset: number } | undefined {
  try {
    katex.renderToString(math, { throwOnError: true, displayMode: true, strict: 'ignore' });
    return undefined;
  } catch (cause) {
    const e = cause as { rawMessage?: string; message?: string; position?: number };
    return { message: e.rawMessage ?? e.message ?? String(cause), offset: e.position ?? 0 };
  }
}

/** Balanced braces and \begin{x}...\end{x} pairs, outside comments. */
function structureError(text: string): { message: string; offset: number } | undefined {
  const braces: number[] = [];
  const envs: { name: string; offset: number }[] = [];
  const re = /\\\\|\\[{}%$]|%[^\n]*|\\begin\{([^}]*)\}|\\end\{([^}]*)\}|[{}]/g;
  for (const m of text.matchAll(re)) {
    const t = m[0];
    if (t.startsWith('%') || (t.length === 2 && t.startsWith('\\'))) continue;
    if (m[1] !== undefined) envs.push({ name: m[1], offset: m.index });
    else if (m[2] !== undefined) {
      const open = envs.pop();
      if (!open) return { message: `\\end{${m[2]}} without a \\begin`, offset: m.index };
      if (open.name !== m[2]) return { message: `\\begin{${open.name}} is ended by \\end{${m[2]}}`, offset: m.index };
    } else if (t === '{') braces.push(m.index);
    else if (t === '}' && braces.pop() === undefined) return { message: 'unbalanced "}"', offset: m.index };
  }
  const env = envs.pop();
  if (env) return { message: `\\begin{${env.name}} is never ended`, offset: env.offset };
  const brace = braces.pop();
  if (brace !== undefined) return { message: 'unbalanced "{"', offset: brace };
  return undefined;
}

/** Check LaTeX: bare math goes to KaTeX whole; text with math delimiters or environments is checked piecewise. */
export function checkLatex(text: string): ValidationResult {
  const structural = structureError(text);
  if (structural) return failAt('latex', text, { message: `invalid LaTeX: ${structural.message}`, offset: structural.offset });
  const isDocument = /\\documentclass|\\begin\{document\}|\$|\\\[|\\\(|\\begin\{(?:equation|align|gather|multline)/.test(text);
  if (!isDocument) {
    const e = katexError(text);
    return e ? failAt('latex', text, { message: `invalid LaTeX math: ${e.message}`, offset: e.offset }) : { ok: true, format: 'latex' };
  }
  for (const m of text.matchAll(MATH)) {
    const env = m[5];
    const body = env
      ? `\\begin{${env === 'equation' ? 'equation' : env}${m[6] ?? ''}}${m[7] ?? ''}\\end{${env}${m[6] ?? ''}}`
      : (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
    const e = katexError(body);
    if (e) {
      const inner = env ? 0 : m[0].indexOf(body);
      return failAt('latex', text, {
        message: `invalid LaTeX math: ${e.message}`,
        offset: m.index + Math.max(inner, 0) + (env ? 0 : e.offset),
      });
    }
  }
  return { ok: true, format: 'latex' };
}

/** Creates the LaTeX validator. */
export function latexValidator(): Validator {
  return defineValidator({ name: 'latex', formats: ['latex'], reason: 'invalid-latex', validate: (text) => checkLatex(text) });
}
