// The code validator: a real syntax check with tree-sitter grammars (WASM, from tree-sitter-wasms),
// loaded once and reused, plus Python's indentation rules; JavaScript is read by acorn instead
// (javascript.ts). Errors carry line and column.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { EvolflowError, defineValidator, type ValidationIssue, type ValidationResult, type Validator } from '@evolflow/core';
import { CODE_FORMATS } from './formats.ts';
import { checkJavaScript } from './javascript.ts';
import { checkPythonIndentation } from './python-indent.ts';
import { findUnterminatedString } from './string-scan.ts';

const require = createRequire(import.meta.url);

const GRAMMAR: Readonly<Record<string, string>> = {
  python: 'python',
  javascript: 'javascript',
  typescript: 'typescript',
  java: 'java',
  c: 'c',
  cpp: 'cpp',
  go: 'go',
  rust: 'rust',
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
        throw new EvolflowError(
          'plugin',
          `package tree-sitter-wasms: cannot load the ${grammar} grammar from ${dir} (${(cause as Error).message}); reinstall @evolflow/validators`,
          { cause, retriable: true },
        );
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

/**
 * ECMAScript forbids an expression statement that opens with `function`, `async function` or
 * `class` (it would be a declaration, which needs a name); tree-sitter's grammar does not, so
 * `function (a: number) {...}` alone passes it. Node and tsc reject it.
 */
function statementOpensWithDeclarationWord(root: Node): ValidationIssue | undefined {
  for (const stmt of root.descendantsOfType('expression_statement')) {
    if (!stmt || !/^(?:async\s+)?function\b|^class\b/.test(stmt.text)) continue;
    const word = /^(?:async\s+)?(function|class)/.exec(stmt.text)?.[1] ?? 'function';
    return {
      message: `typescript syntax error: a statement cannot start with an anonymous ${word} (give it a name, or wrap it in parentheses to make it an expression)`,
      line: stmt.startPosition.row + 1,
      column: stmt.startPosition.column + 1,
    };
  }
  return undefined;
}

const STATEMENT = /_statement$|^(?:function_definition|class_definition|decorated_definition)$/;

/**
 * What tree-sitter's Python grammar lets through and CPython does not: an annotation that runs over
 * a line break (`esle:` over an indented block reads as `esle: <type>`), and two statements on one
 * line with no ";" between them (tree-sitter keeps the MISSING newline in a hidden node).
 */
function pythonTreeIssue(root: Node, text: string): ValidationIssue | undefined {
  for (const a of root.descendantsOfType('assignment')) {
    const left = a?.childForFieldName('left');
    const type = a?.childForFieldName('type');
    if (!left || !type || left.endPosition.row === type.startPosition.row) continue;
    if (/\\\s*$/.test(text.split('\n')[left.endPosition.row] ?? '')) continue; // `x: \` continues the line
    return {
      message: `python syntax error: ${JSON.stringify(`${left.text.slice(0, 30)}:`)} ends a line but opens no block (a misspelt keyword?)`,
      line: left.startPosition.row + 1,
      column: left.startPosition.column + 1,
    };
  }
  const lines = text.split('\n');
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    const kids = node.namedChildren.filter((k): k is Node => k !== null);
    for (let i = 1; i < kids.length; i++) {
      const a = kids[i - 1] as Node;
      const b = kids[i] as Node;
      if (!STATEMENT.test(a.type) || !STATEMENT.test(b.type) || a.endPosition.row !== b.startPosition.row) continue;
      if ((lines[a.endPosition.row] ?? '').slice(a.endPosition.column, b.startPosition.column).includes(';')) continue;
      return {
        message: `python syntax error: two statements on one line without ";" before ${JSON.stringify(b.text.split('\n')[0]?.slice(0, 30) ?? '')}`,
        line: b.startPosition.row + 1,
        column: b.startPosition.column + 1,
      };
    }
    stack.push(...kids.filter((k) => k.childCount > 0).reverse());
  }
  return undefined;
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
    const issue = await checkCode(
      text
        .split('\n')
        .map((l) => l.slice(indent.length))
        .join('\n'),
      language,
    );
    return issue && issue.column !== undefined ? { ...issue, column: issue.column + indent.length } : issue;
  }
  if (language === 'javascript') return checkJavaScript(text);
  const parser = await codeParser(language);
  const tree = parser.parse(text);
  if (!tree) throw new EvolflowError('internal', `tree-sitter returned no tree for ${language}`);
  try {
    const syntax = tree.rootNode.hasError ? firstProblem(tree.rootNode) : undefined;
    let issue = syntax ? issueOf(syntax, language) : undefined;
    if (!issue && language === 'typescript') issue = statementOpensWithDeclarationWord(tree.rootNode);
    if (!issue && language === 'python') issue = pythonTreeIssue(tree.rootNode, text);
    // An error tree-sitter keeps in a hidden node (a MISSING newline) is still an error.
    if (!issue && tree.rootNode.hasError) issue = { message: `${language} syntax error (the parser's error node has no position)` };
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
