// Code checks: the fenced Python and JavaScript blocks of a response are run, with their tests, in
// the sandbox. A program that does not parse, raises, fails a test or runs out of time is rejected
// (`code-error`, `code-timeout`) with the first error line; a response without such blocks passes
// untouched. A program that needs a package the sandbox does not have is not judged (`not-run`).
import { extractPieces } from '@evolflow/validators';
import type { Sandbox, SandboxLanguage, SandboxResult } from './sandbox.ts';

/** One fenced code block of a response. */
export interface CodeBlock {
  language: SandboxLanguage;
  text: string;
  /** 1-based line of the block in the response. */
  line: number;
}

/** What running a language's blocks decided. */
export interface CodeVerdict {
  /** `ok`: it ran and its tests passed; `not-run`: it could not be judged here (a missing package). */
  reason: 'ok' | 'code-error' | 'code-timeout' | 'not-run';
  language: SandboxLanguage;
  /** One line: what ran, and the first error line when it failed. */
  detail: string;
  /** Where the tests came from: the response itself, a second call, or none (the program was only run). */
  tests: 'response' | 'asked' | 'none';
  blocks: number;
  wallMs: number;
  cpuMs: number;
}

const TAGS: Readonly<Record<string, SandboxLanguage>> = {
  python: 'python',
  py: 'python',
  python3: 'python',
  py3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
};

/** The fenced blocks tagged Python or JavaScript (untagged fences are not run: their language is a guess). */
export function codeBlocks(text: string): CodeBlock[] {
  const out: CodeBlock[] = [];
  for (const p of extractPieces(text)) {
    const language = p.tagged && p.tag ? TAGS[p.tag.toLowerCase()] : undefined;
    if (language && p.text.trim() !== '') out.push({ language, text: p.text, line: p.line });
  }
  return out;
}

const PY_TESTS = /^\s*assert\b|\bunittest\b|^\s*def test_?\w*\s*\(|\bdoctest\b/m;
const JS_TESTS = /\bassert\s*[.(]|\bexpect\s*\(|^\s*(?:test|it|describe)\s*\(|console\.assert\s*\(/m;

/** Whether a program carries tests of its own (asserts, test functions, unittest, expect(...)). */
export function hasTests(language: SandboxLanguage, text: string): boolean {
  return (language === 'python' ? PY_TESTS : JS_TESTS).test(text);
}

/**
 * Runs main.py as __main__ under its own file name, then calls the zero-argument `test*` functions
 * it defined (pytest style; unittest.main() and plain asserts run by themselves). An import of a
 * module that does not exist resolves to the program itself, so tests written as
 * `from solution import f` find the `f` the first block defined; any other name read from such a
 * module raises ModuleNotFoundError, as the missing package would.
 */
const PY_HARNESS = String.raw`import sys, importlib.abc, importlib.machinery, types
src = open('main.py', encoding='utf-8').read()
try:
    code = compile(src, 'main.py', 'exec')
except SyntaxError as e:
    sys.stderr.write(f'SyntaxError: {e.msg} (main.py line {e.lineno})\n')
    sys.exit(3)
g = {'__name__': '__main__', '__file__': 'main.py', '__builtins__': __builtins__}
class _Local(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, self) if path is None and '.' not in name else None
    def create_module(self, spec):
        m = types.ModuleType(spec.name)
        def _get(attr, _name=spec.name):
            if attr in g: return g[attr]
            if attr.startswith('__'): raise AttributeError(attr)
            raise ModuleNotFoundError(f"No module named '{_name}'")
        m.__getattr__ = _get
        return m
    def exec_module(self, module):
        pass
sys.meta_path.append(_Local())
sys.argv = ['main.py']
exec(code, g)
for k, v in list(g.items()):
    c = getattr(v, '__code__', None)
    if k.startswith('test') and isinstance(v, types.FunctionType) and c is not None and c.co_filename == 'main.py' and c.co_argcount == 0:
        v()
`;

/** Jest-style describe/it/test/expect for programs whose tests use them (only where the program defines none). */
const JS_PRELUDE = String.raw`'use strict';
const assert = require('node:assert');
const g = globalThis;
const fail = (e) => { process.exitCode = 1; console.error(e && e.stack ? e.stack : String(e)); };
const run = (name, fn) => { if (typeof fn !== 'function') return; const r = fn(); if (r && typeof r.then === 'function') r.then(undefined, fail); };
if (g.describe === undefined) g.describe = run;
if (g.it === undefined) g.it = run;
if (g.test === undefined) g.test = run;
const matchers = (actual, not) => {
  const check = (ok, msg) => { if (ok === not) throw new assert.AssertionError({ message: (not ? 'not ' : '') + msg }); };
  const deep = (b, strict) => { try { (strict ? assert.deepStrictEqual : assert.deepEqual)(actual, b); return true; } catch { return false; } };
  return {
    toBe: (b) => check(Object.is(actual, b), 'expected ' + JSON.stringify(actual) + ' to be ' + JSON.stringify(b)),
    toEqual: (b) => check(deep(b, false), 'expected ' + JSON.stringify(actual) + ' to equal ' + JSON.stringify(b)),
    toStrictEqual: (b) => check(deep(b, true), 'expected ' + JSON.stringify(actual) + ' to strictly equal ' + JSON.stringify(b)),
    toBeTruthy: () => check(!!actual, 'expected ' + JSON.stringify(actual) + ' to be truthy'),
    toBeFalsy: () => check(!actual, 'expected ' + JSON.stringify(actual) + ' to be falsy'),
    toBeNull: () => check(actual === null, 'expected null'),
    toBeUndefined: () => check(actual === undefined, 'expected undefined'),
    toBeDefined: () => check(actual !== undefined, 'expected a defined value'),
    toBeNaN: () => check(Number.isNaN(actual), 'expected NaN'),
    toContain: (b) => check(actual != null && actual.includes(b), 'expected ' + JSON.stringify(actual) + ' to contain ' + JSON.stringify(b)),
    toHaveLength: (n) => check(actual != null && actual.length === n, 'expected length ' + n),
    toBeGreaterThan: (b) => check(actual > b, 'expected ' + actual + ' > ' + b),
    toBeGreaterThanOrEqual: (b) => check(actual >= b, 'expected ' + actual + ' >= ' + b),
    toBeLessThan: (b) => check(actual < b, 'expected ' + actual + ' < ' + b),
    toBeLessThanOrEqual: (b) => check(actual <= b, 'expected ' + actual + ' <= ' + b),
    toBeCloseTo: (b, digits = 2) => check(Math.abs(actual - b) < Math.pow(10, -digits) / 2, 'expected ' + actual + ' to be close to ' + b),
    toMatch: (re) => check(typeof actual === 'string' && (typeof re === 'string' ? actual.includes(re) : re.test(actual)), 'expected ' + JSON.stringify(actual) + ' to match ' + String(re)),
    toThrow: () => { let threw = false; try { actual(); } catch { threw = true; } check(threw, 'expected the function to throw'); },
  };
};
if (g.expect === undefined) g.expect = (actual) => Object.assign(matchers(actual, false), { not: matchers(actual, true) });
`;

const ESM = /^\s*(?:import\s+(?:[\w*{]|["'])|export\s+(?:default|const|function|class|let|async|\{))/m;

/** The first line that names an error in a run's stderr (Python's exception line, Node's `Error: ...`), else its last non-empty line. */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const named = lines.find((l) => /^(?:[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b|Assertion failed\b)/.test(l));
  return (named ?? lines.at(-1) ?? '').slice(0, 300);
}

const MISSING_MODULE =
  /^ModuleNotFoundError: No module named '([^']+)'|^Error: Cannot find module '([^']+)'|ERR_MODULE_NOT_FOUND.*?'([^']+)'/m;

/** The verdict of one run. */
function judgeRun(
  r: SandboxResult,
  language: SandboxLanguage,
  limits: { timeoutMs: number; cpuSeconds: number },
): Pick<CodeVerdict, 'reason' | 'detail'> {
  // 128 + 24: SIGXCPU (the CPU limit), 128 + 9: SIGKILL after it.
  if (r.timedOut) return { reason: 'code-timeout', detail: `still running after verify.code.timeoutMs = ${limits.timeoutMs} ms (killed)` };
  if (r.exitCode === 152 || r.exitCode === 137 || r.signal === 'SIGXCPU' || /CPU time limit exceeded/.test(r.stderr)) {
    return { reason: 'code-timeout', detail: `used its verify.code.cpuSeconds = ${limits.cpuSeconds} s of CPU (killed)` };
  }
  const missing = MISSING_MODULE.exec(r.stderr);
  if (r.exitCode !== 0 && missing)
    return {
      reason: 'not-run',
      detail: `needs the module "${missing[1] ?? missing[2] ?? missing[3] ?? '?'}", which the sandbox does not have: not judged`,
    };
  // A program that reads its input (input(), sys.stdin) gets end of file: what it would do with input is unknown.
  if (r.exitCode !== 0 && /^EOFError: EOF when reading a line/m.test(r.stderr))
    return { reason: 'not-run', detail: 'reads standard input, which the sandbox does not give: not judged' };
  if (r.exitCode !== 0) {
    const line = firstErrorLine(r.stderr) || `exit code ${String(r.exitCode ?? r.signal)}`;
    return { reason: 'code-error', detail: line };
  }
  if (language === 'javascript' && /^Assertion failed\b/m.test(r.stderr)) return { reason: 'code-error', detail: firstErrorLine(r.stderr) };
  return { reason: 'ok', detail: r.truncated ? 'ran and passed (its output was cut at verify.code.outputBytes)' : 'ran and passed' };
}

/** The files and entry that run `program` (all of a language's blocks, in order) with its tests. */
export function programFiles(language: SandboxLanguage, program: string): { files: Record<string, string>; main: string; args: string[] } {
  if (language === 'python') return { files: { 'main.py': program, 'harness.py': PY_HARNESS }, main: 'harness.py', args: [] };
  const main = ESM.test(program) ? 'main.mjs' : 'main.cjs';
  return { files: { [main]: program, 'prelude.cjs': JS_PRELUDE }, main, args: ['--require', './prelude.cjs'] };
}

export interface CheckCodeOptions {
  sandbox: Sandbox;
  limits: { timeoutMs: number; cpuSeconds: number };
  /** Tests to append per language when the response has none (from a second call); absent: run without. */
  extraTests?: Partial<Record<SandboxLanguage, string>>;
}

/**
 * Run each language's blocks of `blocks` (concatenated in order, so tests after the solution see
 * it) in the sandbox, one verdict per language, the failing one first.
 */
export async function checkCode(blocks: readonly CodeBlock[], options: CheckCodeOptions): Promise<CodeVerdict[]> {
  const verdicts: CodeVerdict[] = [];
  for (const language of ['python', 'javascript'] as const) {
    const own = blocks.filter((b) => b.language === language);
    if (own.length === 0) continue;
    let program = own.map((b) => b.text).join('\n\n');
    let tests: CodeVerdict['tests'] = hasTests(language, program) ? 'response' : 'none';
    const extra = options.extraTests?.[language];
    if (tests === 'none' && extra) {
      program = `${program}\n\n${extra}`;
      tests = 'asked';
    }
    const { files, main, args } = programFiles(language, program);
    const r = await options.sandbox.run({ language, files, main, args });
    const judged = judgeRun(r, language, options.limits);
    const what = `${language}: ${own.length} block${own.length === 1 ? '' : 's'}, tests ${tests === 'none' ? 'none (only run)' : `from the ${tests === 'asked' ? 'second call' : 'response'}`}`;
    verdicts.push({
      ...judged,
      detail: `${what}: ${judged.detail}`,
      language,
      tests,
      blocks: own.length,
      wallMs: r.wallMs,
      cpuMs: r.cpuMs,
    });
  }
  const rank = (v: CodeVerdict) => (v.reason === 'ok' ? 2 : v.reason === 'not-run' ? 1 : 0);
  return verdicts.sort((a, b) => rank(a) - rank(b));
}
