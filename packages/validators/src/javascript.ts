// JavaScript is judged by acorn (the parser ESLint's espree is built on; it follows the ECMAScript
// grammar as V8 does), not by tree-sitter, whose error recovery accepts what Node rejects, such as
// an anonymous function declaration `function (a, b) {...}` as a statement.
import { Parser, type Options } from 'acorn';
import jsx from 'acorn-jsx';
import type { ValidationIssue } from '@evolflow/core';

const JsxParser = Parser.extend(jsx());

interface AcornError {
  message: string;
  pos?: number;
  loc?: { line: number; column: number };
}

function attempt(text: string, sourceType: 'script' | 'module'): AcornError | undefined {
  const options: Options = { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowAwaitOutsideFunction: true, locations: true };
  // CommonJS: Node wraps a script in a function, so a top-level `return` is fine there.
  if (sourceType === 'script') options.allowReturnOutsideFunction = true;
  try {
    JsxParser.parse(text, options);
    return undefined;
  } catch (cause) {
    if (!(cause instanceof SyntaxError)) throw cause;
    return cause as SyntaxError & AcornError;
  }
}

/**
 * Syntax-check JavaScript (with JSX) the way Node reads it: as a CommonJS script or as an ES module,
 * whichever parses; a text that opens with "{" and closes with "}" may also be an object literal,
 * as Node's REPL reads it. Undefined when it parses; else the error that got farthest.
 */
export function checkJavaScript(text: string): ValidationIssue | undefined {
  const script = attempt(text, 'script');
  if (!script) return undefined;
  const module = attempt(text, 'module');
  if (!module) return undefined;
  if (/^\s*\{/.test(text) && /\}\s*$/.test(text) && !attempt(`(${text}\n)`, 'script')) return undefined;
  const e = (module.pos ?? 0) > (script.pos ?? 0) ? module : script;
  const message = `javascript syntax error: ${e.message.replace(/\s*\(\d+:\d+\)$/, '')}`;
  return e.loc ? { message, line: e.loc.line, column: e.loc.column + 1 } : { message };
}
