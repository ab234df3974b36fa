import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VerifyLine } from './verify.ts';
import { boundCommand } from './index.ts';

const verifyCommand = boundCommand('verify');

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  return { out, err };
};
afterEach(() => {
  vi.restoreAllMocks();
});

// One record per shape the seed reader takes, with good and broken code and a math answer.
const RECORDS = [
  {
    id: 'py-ok',
    instruction: 'Write a Python function add(a, b) with tests.',
    output: '```python\ndef add(a, b):\n    return a + b\n\nassert add(2, 3) == 5\n```',
  },
  {
    id: 'py-bad',
    instruction: 'Write a Python function add(a, b) with tests.',
    output: "```python\ndef add(a, b):\n    return a - b\n\nassert add(2, 3) == 5, 'add(2, 3) should be 5'\n```",
  },
  {
    conversations: [
      { from: 'human', value: 'Write JavaScript that sums an array.' },
      {
        from: 'gpt',
        value: '```js\nconst sum = (xs) => xs.reduce((a, b) => a + b, 0);\nconsole.assert(sum([1, 2, 3]) === 7, "sum of 1, 2, 3");\n```',
      },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'What is 15% of 80?' },
      { role: 'assistant', content: '15% of 80 is 0.15 x 80 = 12. The answer is 12.' },
    ],
  },
  { instruction: 'Describe the sea.', output: 'The sea is vast and blue, and it covers most of the planet.' },
  { instruction: 'No answer here.' },
];

function input(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-verify-'));
  const file = join(dir, 'in.jsonl');
  writeFileSync(file, `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\nnot json\n`);
  return { dir, file };
}

describe('evolflow verify', () => {
  it('prints one verdict per record, keeps the passing lines unchanged, and says math was not checked without an LLM', async () => {
    const { dir, file } = input();
    const { out, err } = capture();
    const code = await verifyCommand.run(['--in', file, '--out', join(dir, 'kept.jsonl'), '--json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const verdicts = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as VerifyLine);
    expect(verdicts.map((v) => [v.line, v.reason, v.verified, v.kept])).toEqual([
      [1, 'ok', 'python', true],
      [2, 'code-error', 'python', false],
      [3, 'code-error', 'javascript', false],
      [4, 'ok', 'none', true],
      [5, 'ok', 'none', true],
      [6, 'skipped', 'none', false],
      [7, 'unreadable', 'none', false],
    ]);
    expect(verdicts[0]?.id).toBe('py-ok');
    expect(verdicts[1]?.detail).toBe('python: 1 block, tests from the response: AssertionError: add(2, 3) should be 5');
    expect(verdicts[2]?.detail).toBe('javascript: 1 block, tests from the response: Assertion failed: sum of 1, 2, 3');
    expect(verdicts[3]?.detail).toBe('math: not checked (no LLM to sample from)');
    const kept = readFileSync(join(dir, 'kept.jsonl'), 'utf8').trim().split('\n');
    expect(kept).toEqual([RECORDS[0], RECORDS[3], RECORDS[4]].map((r) => JSON.stringify(r)));
    expect(err.join('')).toBe(
      'verify: kept 3 of 7 (code-error 2, skipped 1, unreadable 1); 1 math answer not checked: no LLM configured (--llm, --base-url or OPENAI_BASE_URL)\n',
    );
  });

  it('samples the LLM named on the command line for math answers', async () => {
    const { file } = input();
    const { out } = capture();
    await verifyCommand.run(['--in', file, '--llm', 'sim']);
    vi.restoreAllMocks();
    const math = out
      .join('')
      .split('\n')
      .find((l) => l.startsWith(`${file}:4 `));
    expect(math).toMatch(/^\S+:4 {2}(ok|no-consensus|no-answer) {2}math {2}math: 3 samples at temperature 0\.7: /);
  });

  it('needs --in', async () => {
    capture();
    await expect(verifyCommand.run([])).rejects.toThrow(/--in FILE\.jsonl is required/);
  });
});
