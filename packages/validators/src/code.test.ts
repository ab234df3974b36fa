// The code validator: correct programs accepted, broken ones rejected on the right line, per language.
import { describe, expect, it } from 'vitest';
import { checkCode } from './code.ts';
import { checkPythonIndentation } from './python-indent.ts';

const good: Record<string, string> = {
  python:
    'import math\n\nclass Circle:\n    def __init__(self, r: float) -> None:\n        self.r = r\n\n    def area(self):\n        """Area of the circle."""\n        return math.pi * self.r ** 2\n\nif __name__ == "__main__":\n    print(Circle(2).area())\n',
  javascript: 'function sum(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\nconst s = `total: ${sum([1, 2])}`;\nconsole.log(s);\n',
  typescript:
    'interface Point { x: number; y: number }\nexport function dist(a: Point, b: Point): number {\n  return Math.hypot(a.x - b.x, a.y - b.y);\n}\n',
  java: 'import java.util.*;\n\npublic class Main {\n  public static void main(String[] args) {\n    List<Integer> xs = new ArrayList<>();\n    xs.add(1);\n    System.out.println(xs);\n  }\n}\n',
  c: '#include <stdio.h>\n\nint main(void) {\n  int xs[3] = {1, 2, 3};\n  printf("%d\\n", xs[0]);\n  return 0;\n}\n',
  cpp: '#include <iostream>\n#include <vector>\n\nint main() {\n  std::vector<int> v{1, 2, 3};\n  for (auto x : v) std::cout << x << "\\n";\n  return 0;\n}\n',
  go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\txs := []int{1, 2, 3}\n\tfmt.Println(len(xs))\n}\n',
  rust: 'fn main() {\n    let mut v = vec![1, 2, 3];\n    v.push(4);\n    println!("{}", v.len());\n}\n',
};

// [language, what is broken, source, the line the error must be reported on]
const broken: [string, string, string, number][] = [
  ['python', 'missing bracket', 'def f(x):\n    y = (x + 1\n    return y\n', 2],
  ['python', 'bad indentation (unexpected indent)', 'def f(x):\n    y = x\n        return y\n', 3],
  ['python', 'bad indentation (no block)', 'def f(x):\nreturn x\n', 2],
  ['python', 'bad indentation (dedent to no level)', 'if True:\n    x = 1\n  y = 2\n', 3],
  ['python', 'unterminated string', 'x = 1\nname = "Ann\nprint(name)\n', 2],
  ['javascript', 'missing bracket', 'function f(a) {\n  if (a > 1 {\n    return a;\n  }\n}\n', 2],
  ['javascript', 'unterminated string', 'const a = 1;\nconst s = "abc;\nconsole.log(s);\n', 2],
  ['typescript', 'missing bracket', 'function f(a: number): number {\n  return (a + 1;\n}\n', 2],
  ['typescript', 'unterminated string', "const a: number = 1;\nconst s: string = 'abc;\n", 2],
  ['java', 'missing bracket', 'public class A {\n  void f() {\n    int x = (1 + 2;\n  }\n}\n', 3],
  ['java', 'unterminated string', 'public class A {\n  void f() {\n    String s = "hi;\n  }\n}\n', 3],
  ['c', 'missing bracket', '#include <stdio.h>\nint main(void) {\n  printf("hi\\n";\n  return 0;\n}\n', 3],
  ['c', 'unterminated string', '#include <stdio.h>\nint main(void) {\n  printf("hi);\n  return 0;\n}\n', 3],
  ['cpp', 'missing bracket', '#include <vector>\nint main() {\n  int x = (1 + 2;\n  return x;\n}\n', 3],
  ['cpp', 'unterminated string', '#include <string>\nint main() {\n  std::string s = "abc;\n  return 0;\n}\n', 3],
  ['go', 'missing bracket', 'package main\n\nfunc main() {\n\tx := (1 + 2\n\t_ = x\n}\n', 4],
  ['go', 'unterminated string', 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi)\n}\n', 6],
  ['rust', 'missing bracket', 'fn main() {\n    let x = (1 + 2;\n    println!("{}", x);\n}\n', 2],
  ['rust', 'missing semicolon', 'fn main() {\n    let x = 1\n    let y = 2;\n}\n', 2],
];

describe('code validator', () => {
  it.each(Object.entries(good))('accepts a correct %s program', async (language, src) => {
    expect(await checkCode(src, language)).toBeUndefined();
  });

  it.each(broken)('rejects %s with %s on the right line', async (...[language, , src, line]: (typeof broken)[number]) => {
    const issue = await checkCode(src, language);
    expect(issue?.line).toBe(line);
    expect(issue?.column).toBeGreaterThan(0);
    expect(issue?.message).toMatch(new RegExp(`${language} syntax error|IndentationError`));
  });

  it('reuses one parser per language across calls', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => checkCode(good.go as string, 'go')));
    expect(results.filter((r) => r === undefined).length).toBe(20);
  });

  it('rejects a language it has no grammar for with a clear error', async () => {
    await expect(checkCode('x', 'cobol')).rejects.toThrow(/no code grammar for "cobol"/);
  });
});

describe('python indentation', () => {
  it('reads a snippet indented as a whole (from a list item) as dedented, keeping columns', async () => {
    expect(await checkCode('  def f(x):\n      return x\n', 'python')).toBeUndefined();
    expect(await checkCode('  def f(x):\n      y = 1\n        return y\n', 'python')).toMatchObject({ line: 3, column: 9 });
  });

  it('accepts brackets, continuations, strings and comments that span lines', () => {
    const src = 'x = [\n  1,\n      2]\ns = """a\n  b:\n"""\ny = 1 + \\\n      2\nif x:  # comment:\n\n    # indented comment\n    pass\n';
    expect(checkPythonIndentation(src)).toBeUndefined();
  });
});

describe('JavaScript as Node reads it (acorn)', () => {
  it('rejects an anonymous function declaration as a statement, as Node does', async () => {
    expect(await checkCode('function (a, b) {\n  return a + b;\n}\n', 'javascript')).toMatchObject({
      line: 1,
      column: 10,
      message: 'javascript syntax error: Unexpected token',
    });
    expect(await checkCode('async function () { await x; }', 'javascript')).toMatchObject({ line: 1 });
    expect(await checkCode('class { m() {} }', 'javascript')).toMatchObject({ line: 1 });
  });

  it.each([
    ['a named function', 'function add(a, b) {\n  return a + b;\n}\n'],
    ['an anonymous function as an expression', '(function (a, b) { return a + b; })(1, 2);'],
    ['an anonymous function assigned', 'const add = function (a, b) { return a + b; };'],
    ['an anonymous default export (module)', 'export default function (a, b) { return a + b; }'],
    ['imports (module)', 'import fs from "node:fs";\nconsole.log(fs.existsSync("x"));'],
    ['top-level return (CommonJS)', 'if (!process.argv[2]) return;\nconsole.log(process.argv[2]);'],
    ['top-level await', 'const r = await fetch("https://example.com");'],
    ['JSX', 'const el = <div className="a">{items.map((i) => <li key={i}>{i}</li>)}</div>;'],
    ['an object literal, as the REPL reads it', '{ name: "Ann", greet() { return `hi ${this.name}`; } }'],
    ['sloppy-mode code', 'with (obj) { x = 010; }'],
  ])('accepts %s', async (_what, src) => {
    expect(await checkCode(src, 'javascript')).toBeUndefined();
  });

  it('rejects an anonymous function fenced as js through the policy, naming the line', async () => {
    const { createFormatChecker } = await import('./checker.ts');
    const checker = await createFormatChecker();
    const r = await checker.checkInstruction('What does this do?\n```js\nfunction (a, b) {\n  return a + b;\n}\n```', {
      expectFormat: 'javascript',
    });
    expect(r).toMatchObject({ ok: false, reason: 'invalid-code', pieces: [{ error: { line: 3, column: 10 } }] });
  });
});

describe('what tree-sitter lets through', () => {
  it('TypeScript: a statement that opens with an anonymous function or class', async () => {
    expect(await checkCode('function (a: number) { return a; }', 'typescript')).toMatchObject({
      line: 1,
      column: 1,
      message: expect.stringMatching(/anonymous function/),
    });
    expect(await checkCode('export default function (a: number) { return a; }', 'typescript')).toBeUndefined();
    expect(await checkCode('const f = function (a: number) { return a; };\n(function () {})();', 'typescript')).toBeUndefined();
  });

  it('Python: a misspelt keyword before a block, and two statements on one line', async () => {
    expect(await checkCode('if x:\n    a = 1\nesle:\n    a = 2\n', 'python')).toMatchObject({
      line: 3,
      column: 1,
      message: expect.stringMatching(/"esle:" ends a line but opens no block/),
    });
    expect(await checkCode('def f(x):\n    if x:\n        return 1\n    esle:\n        return False\n', 'python')).toMatchObject({
      line: 4,
    });
    expect(await checkCode('def f():\n    return 1\nretrun 5\n', 'python')).toMatchObject({ line: 3 });
    expect(await checkCode('x: int = 1\ny = 2; z = 3\nif x: y = 1\n', 'python')).toBeUndefined();
  });
});
