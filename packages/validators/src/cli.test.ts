// `evolflow validate` run as a process (the CLI command lives in @evolflow/cli; this checks its
// output and exit codes on real files), and extra validator plugins loaded by path.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonTestSuiteDir } from '@evolflow/testdata';
import { createFormatChecker } from './checker.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SUITE = jsonTestSuiteDir;

function evolflow(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'validate', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('evolflow validate', () => {
  it('checks files whole by extension and text by its pieces; exit 1 on any error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-validate-'));
    writeFileSync(join(dir, 'task.md'), 'Parse {"a": 1, "b": [1, 2,]} please.\n\n```python\ndef f(x):\n    return x\n```\n');
    const r = evolflow([join(dir, 'task.md'), join(SUITE, 'y_object_simple.json'), join(SUITE, 'n_object_trailing_comma.json')]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual([
      `${join(dir, 'task.md')}:1:27  json  error  invalid JSON: unexpected character "]": a value (object, array, string, number, true, false, null) expected`,
      `${join(dir, 'task.md')}:4  python  ok`,
      `${join(SUITE, 'y_object_simple.json')}  json  ok`,
      expect.stringMatching(/n_object_trailing_comma\.json:1:\d+ {2}json {2}error {2}invalid JSON/),
    ]);
    expect(r.err).toMatch(/4 piece\(s\) checked, 2 failed/);
  });

  it('reads stdin with --format and exits 0 when all pass', () => {
    const r = evolflow(['--format', 'sql', '--dialect', 'sqlite'], 'SELECT name FROM singer WHERE age > 3');
    expect(r).toMatchObject({ code: 0, out: '<stdin>  sql:sqlite  ok\n' });
  });

  it('checks the instruction and response of JSONL records', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-validate-'));
    const file = join(dir, 'records.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'r1', instruction: 'List three fruits. Answer in JSON.', response: '["apple", "pear",', format: 'json' }),
        JSON.stringify({ id: 'r2', instruction: 'Explain {"a": 1}.', response: 'It maps a to 1.' }),
      ].join('\n'),
    );
    const r = evolflow(['--jsonl', '--responses', file]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toEqual([
      `${file}:1 r1 instruction  missing-format  error  the instruction (complicate-input asked for it) should hold json data but has no embedded data`,
      `${file}:1 r1 response 1:18  json  error  invalid JSON: value expected but end of input found`,
      `${file}:2 r2 instruction 1  json  ok`,
    ]);
  });
});

describe('extra validator plugins', () => {
  it('loads a plugin file named in config and uses it for its format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-plugin-'));
    writeFileSync(
      join(dir, 'toml.mjs'),
      `export default () => ({
  name: 'toml', formats: ['toml'], reason: 'invalid-toml',
  validate: (text) => (/^\\w+ = /m.test(text) ? { ok: true, format: 'toml' } : { ok: false, format: 'toml', error: { message: 'no key = value', line: 1, column: 1 } }),
});\n`,
    );
    const checker = await createFormatChecker({ extra: ['./toml.mjs'], cwd: dir });
    expect(checker.validators().map((v) => v.name)[0]).toBe('toml');
    expect((await checker.checkInstruction('Read:\n```toml\nname = "x"\n```', { expectFormat: 'toml' })).ok).toBe(true);
    expect(await checker.checkInstruction('Read:\n```toml\n[[[\n```')).toMatchObject({
      ok: false,
      reason: 'invalid-toml',
      pieces: [{ error: { line: 3, column: 1 } }],
    });
  });
});
