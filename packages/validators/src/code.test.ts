// The code validator: correct programs accepted, broken ones rejected on the right line, per language.
import { describe, expect, it } from 'vitest';
import { checkCode } from './code.ts';
import { checkPythonIndentation } from './python-indent.ts';

const good: Record<string, string> = {
  python: 'import math\n\nclass Circle:\n    def __init__(self, r: float) -> None:\n        self.r = r\n\n    def area(self):\n        """Area of the circle."""\n        return math.pi * self.r ** 2\n\nif __name__ == "__main__":\n    print(Circle(2).area())\n',
  javascript: 'function sum(xs) {\n  return xs.reduce((a, b) => a + b, 0);\n}\nconst s = `total: ${sum([1, 2])}`;\nconsole.log(s);\n',
  typescript: 'interface Point { x: number; y: number }\nexport function dist(a: Point, b: Point): number {\n  return Math.hypot(a.x - b.x, a.y - b.y);\n}\n',
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
  ['typescript', 'unterminated string', 'const a: number = 1;\nconst s: string = \'abc;\n', 2],
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

  it.each(broken)('rejects %s with %s on the right line', async (language, _what, src, line) => {
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
