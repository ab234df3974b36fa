// The code validator: a real syntax check with tree-sitter grammars (WASM, from tree-sitter-wasms),
// loaded once and reused, plus Python's indentation rules. Errors carry line and column.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { EvolflowError, defineValidator, type ValidationIssue, type ValidationResult, type Validator } from '@evolflow/core';
import { CODE_FORMATS } from './formats.ts';
import { checkPythonIndentation } from './python-indent.ts';
import { findUnterminatedString } from './string-scan.ts';

const require = createRequire(import.meta.url);

const GRAMMAR: Readonly<Record<string, string>> = {
  python: 'python', javascript: 'javascript', typescript: 'typescript', java: 'java', c: 'c', cpp: 'cpp', go: 'go', rust: 'rust',
};

let init: Promise<void> | undefined;
const parsers = new Map<string, Promise<Parser>>();
/**
 * Grammar loads one at a time: web-tree-sitter's dynamic linking is not re-entrant, and two
 * concurrent `Language.load` calls mix up each other's symbols ("bad export type for ...").
 */
let loads: Promise<unknown> = Promise.resolve();
function loadSerially(path: string): Promise<Language> {
  const next = loads.then(() => Language.load(path));
  loads = next.catch(() => undefined);
  return next;
}

/** The parser for one language, created on first use and reused (grammars load once per process). */
export function codeParser(language: string): Promise<Parser> {
  const grammar = GRAMMAR[language];
  if (grammar === undefined) {
    return Promise.reject(new EvolflowError('input', `no code grammar for "${language}"; supported: ${CODE_FORMATS.join(', ')}`));
  }
  let parser = parsers.get(language);
  if (!parser) {
    init ??= Parser.init();
    parser = init.then(async () => {
      const dir = join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out');
      const lang = await loadSerially(join(dir, `tree-sitter-${grammar}.wasm`)).catch((cause: unknown) => {
        // Not cached: the next call tries again, and runStage retries the record meanwhile.
        parsers.delete(language);
        throw new EvolflowError('plugin', `package tree-sitter-wasms: cannot load the ${grammar} grammar from ${dir} (${(cause as Error).message}); reinstall @evolflow/validators`, { cause, retriable: true });
      });
      const p = new Parser();
      p.setLanguage(lang);
      return p;
    });
    parsers.set(language, parser);
  }
  return parser;
}

/** The first ERROR or MISSING node in document order. */
function firstProblem(node: Node): Node | undefined {
  if (node.isError || node.isMissing) {
    // An ERROR that holds a MISSING token is better placed at the token.
    return node.isError ? (firstMissing(node) ?? node) : node;
  }
  for (const child of node.children) {
    if (child && (child.hasError || child.isMissing)) {
      const found = firstProblem(child);
      if (found) return found;
    }
  }
  return undefined;
}

function firstMissing(node: Node): Node | undefined {
  for (const child of node.children) {
    if (!child) continue;
    if (child.isMissing) return child;
    if (child.hasError) {
      const m = firstMissing(child);
      if (m) return m;
    }
  }
  return undefined;
}

function issueOf(node: Node, language: string): ValidationIssue {
  const at = { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
  if (node.isMissing) return { message: `${language} syntax error: missing ${JSON.stringify(node.type)}`, ...at };
  const snippet = (node.text.split('\n')[0] ?? '').slice(0, 40);
  return { message: `${language} syntax error: unexpected ${JSON.stringify(snippet)}`, ...at };
}

/** The white space every non-blank line starts with (a snippet cut from an indented list item or method). */
function commonIndent(text: string): string {
  let common: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const lead = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (common === undefined || !lead.startsWith(common)) {
      let k = 0;
      while (common !== undefined && k < common.length && k < lead.length && common[k] === lead[k]) k++;
      common = common === undefined ? lead : common.slice(0, k);
    }
    if (common === '') return '';
  }
  return common ?? '';
}

/** Syntax-check `text` as `language`; resolves to the first error, or undefined when it parses. */
export async function checkCode(text: string, language: string): Promise<ValidationIssue | undefined> {
  const indent = language === 'python' ? commonIndent(text) : '';
  if (indent !== '') {
    // Python code indented as a whole is read as it would be once dedented; columns stay the original ones.
    const issue = await checkCode(text.split('\n').map((l) => l.slice(indent.length)).join('\n'), language);
    return issue && issue.column !== undefined ? { ...issue, column: issue.column + indent.length } : issue;
  }
  const parser = await codeParser(language);
  const tree = parser.parse(text);
  if (!tree) throw new EvolflowError('internal', `tree-sitter returned no tree for ${language}`);
  try {
    const syntax = tree.rootNode.hasError ? firstProblem(tree.rootNode) : undefined;
    const issue = syntax ? issueOf(syntax, language) : undefined;
    // Only when tree-sitter found an error: the lexical scan refines where, never whether.
    if (language !== 'python') return issue && (findUnterminatedString(text, language) ?? issue);
    const indent = checkPythonIndentation(text);
    if (!indent) return issue;
    return issue && (issue.line ?? 0) < (indent.line ?? 0) ? issue : indent;
  } finally {
    tree.delete();
  }
}

/** Creates the code validator for Python, JavaScript, TypeScript, Java, C, C++, Go and Rust. */
export function codeValidator(): Validator {
  return defineValidator({
    name: 'code',
    formats: CODE_FORMATS,
    reason: 'invalid-code',
    async validate(text, ctx): Promise<ValidationResult> {
      const language = typeof ctx.hints?.language === 'string' ? ctx.hints.language : 'python';
      const issue = await checkCode(text, language);
      return issue ? { ok: false, format: language, error: issue } : { ok: true, format: language };
    },
  });
}
