import { describe, expect, it } from 'vitest';
import { codeBlocks, firstErrorLine, hasTests, programFiles } from './code.ts';

describe('codeBlocks', () => {
  it('takes fenced blocks tagged Python or JavaScript, in order, with their line', () => {
    const text =
      'Intro.\n\n```python\ndef f():\n    return 1\n```\n\nThen:\n\n```js\nconsole.log(1);\n```\n\n```py3\nassert f() == 1\n```\n';
    expect(codeBlocks(text)).toEqual([
      { language: 'python', text: 'def f():\n    return 1', line: 4 },
      { language: 'javascript', text: 'console.log(1);', line: 11 },
      { language: 'python', text: 'assert f() == 1', line: 15 },
    ]);
  });

  it('leaves untagged fences, other languages, shell sessions and empty blocks alone', () => {
    const text =
      '```\nprint(1)\n```\n\n```bash\npip install numpy\n```\n\n```sql\nSELECT 1;\n```\n\n```typescript\nconst x: number = 1;\n```\n\n```python\n```\n';
    expect(codeBlocks(text)).toEqual([]);
  });
});

describe('hasTests', () => {
  it('finds the tests a response carries', () => {
    for (const py of [
      'assert add(1, 2) == 3',
      'import unittest\nclass T(unittest.TestCase):\n    pass',
      'def test_add():\n    pass',
      'import doctest\ndoctest.testmod()',
    ])
      expect(hasTests('python', py), py).toBe(true);
    for (const js of [
      'assert.strictEqual(add(1, 2), 3);',
      "const assert = require('assert');\nassert(add(1, 2) === 3);",
      'expect(add(1, 2)).toBe(3);',
      "test('adds', () => {});",
      'console.assert(add(1, 2) === 3);',
    ])
      expect(hasTests('javascript', js), js).toBe(true);
  });

  it('does not take code that merely prints or defines for tests', () => {
    expect(hasTests('python', 'def add(a, b):\n    return a + b\n\nprint(add(1, 2))  # assertive output')).toBe(false);
    expect(hasTests('javascript', 'function add(a, b) { return a + b; }\nconsole.log(add(1, 2));')).toBe(false);
  });
});

describe('firstErrorLine', () => {
  it("names Python's exception line, not the traceback's first line", () => {
    const stderr =
      'Traceback (most recent call last):\n  File "/tmp/sandbox/harness.py", line 23, in <module>\n    exec(code, g)\n  File "main.py", line 4, in <module>\n    print(ratio(1, 0))\n  File "main.py", line 2, in ratio\n    return a / b\n           ~~^~~\nZeroDivisionError: division by zero\n';
    expect(firstErrorLine(stderr)).toBe('ZeroDivisionError: division by zero');
  });

  it("names Node's error line under the source excerpt", () => {
    const stderr =
      '/tmp/sandbox/main.cjs:3\nassert.strictEqual(add(2, 3), 5);\n       ^\n\nAssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n-1 !== 5\n\n    at Object.<anonymous> (/tmp/sandbox/main.cjs:3:8)\n';
    expect(firstErrorLine(stderr)).toBe('AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:');
    expect(firstErrorLine('Assertion failed: sum of 1, 2, 3\n')).toBe('Assertion failed: sum of 1, 2, 3');
    expect(
      firstErrorLine(
        "node:internal/x\n\nTypeError: Cannot read properties of undefined (reading 'length')\n    at f (/tmp/sandbox/main.cjs:2:10)\n",
      ),
    ).toBe("TypeError: Cannot read properties of undefined (reading 'length')");
  });

  it('falls back to the last line, and cuts long ones', () => {
    expect(firstErrorLine('something odd\nhappened here\n')).toBe('happened here');
    expect(firstErrorLine(`ValueError: ${'x'.repeat(500)}`)).toHaveLength(300);
  });
});

describe('programFiles', () => {
  it('runs Python through the harness and JavaScript as CommonJS, or as a module when it imports', () => {
    expect(programFiles('python', 'print(1)')).toMatchObject({ main: 'harness.py', files: { 'main.py': 'print(1)' } });
    expect(programFiles('javascript', 'console.log(1)')).toMatchObject({ main: 'main.cjs', args: ['--require', './prelude.cjs'] });
    expect(programFiles('javascript', "import fs from 'node:fs';\nconsole.log(1)")).toMatchObject({ main: 'main.mjs' });
    expect(programFiles('javascript', 'export function f() {}')).toMatchObject({ main: 'main.mjs' });
  });
});
