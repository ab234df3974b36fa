// Format detection: bracketed Python, JavaScript and prose is not called JSON; JSON, valid or
// broken, still is (JSONTestSuite), so broken JSON is still caught.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonTestSuiteDir, jsonTestSuiteFiles, readSeedTasks } from '@evolflow/testdata';
import { createFormatChecker } from './checker.ts';
import { BRACKETED_NOT_JSON } from './corpus.ts';
import { bracketKind, detectFormat } from './detect.ts';
import { extractPieces } from './extract.ts';

const checker = await createFormatChecker();

describe('bracketed text that is not JSON', () => {
  it('calls a Python list comprehension Python, never JSON, with or without JSON expected', () => {
    expect(bracketKind('[x*x for x in range(10)]')).toBe('python');
    expect(detectFormat('[x*x for x in range(10)]')).toBe('python');
    expect(detectFormat('[x*x for x in range(10)]', 'json')).toBe('python');
  });

  it.each(BRACKETED_NOT_JSON.map((b) => [b.kind, b.text] as const))('reads %s: %s', (kind, text) => {
    expect(detectFormat(text)).not.toBe('json');
    expect(detectFormat(text, 'json')).not.toBe('json');
    // 'code' is a language we cannot name (member calls read the same in Python and JavaScript).
    expect(kind === 'prose' ? ['prose'] : [kind, 'code']).toContain(bracketKind(text));
  });

  it('accepts an untagged fence holding a comprehension, and rejects it as missing JSON when JSON was asked for', async () => {
    const text = 'What does this return?\n```\n[x*x for x in range(10)]\n```';
    expect(await checker.checkInstruction(text)).toMatchObject({ ok: true, pieces: [{ ok: true, format: 'python' }] });
    expect(await checker.checkInstruction(text, { expectFormat: 'json' })).toMatchObject({ ok: false, reason: 'missing-format' });
    expect(await checker.checkInstruction(text, { expectFormat: 'python' })).toMatchObject({ ok: true });
  });

  it('takes no inline JSON from a comprehension, a Python dict or a JavaScript object in prose', () => {
    expect(extractPieces('Is [1, 2, x*x for x in y] valid?')).toEqual([]);
    expect(extractPieces('Given {"a": 1, "b": None}, which key is missing?')).toEqual([]);
    expect(extractPieces('Call it with {"a": 1, "f": function () { return 1; }} and see.')).toEqual([]);
    expect(extractPieces('Given {"a": 1, "b": null}, which key is empty?').map((p) => p.format)).toEqual(['json']);
  });

  it('passes the real seed whose code holds list comprehensions, fenced without a tag, in every position', async () => {
    const seed = readSeedTasks().find((t) => t.id === 'seed_task_158');
    const code = seed?.instances[0]?.input ?? '';
    expect(code).toMatch(/\[i for i in arr\[1:\] if i <= pivot\]/);
    const comprehension = /\[i for i in arr\[1:\] if i <= pivot\]/.exec(code)?.[0] ?? '';
    for (const text of [
      `${seed?.instruction}\n\n\`\`\`\n${code}\n\`\`\``,
      `Explain:\n\`\`\`\n${comprehension}\n\`\`\``,
      `Explain ${comprehension} in words.`,
    ]) {
      const r = await checker.checkInstruction(text);
      expect(r.ok, r.detail).toBe(true);
      expect(r.pieces.every((p) => p.piece.format !== 'json')).toBe(true);
    }
  });
});

describe('JSON is still JSON', () => {
  const bracketed = jsonTestSuiteFiles()
    .filter((f) => !f.startsWith('i_'))
    .map((f) => ({ f, text: readFileSync(join(jsonTestSuiteDir, f), 'latin1') }))
    .filter((x) => /^\s*[[{]/.test(x.text));

  it('calls every bracketed JSONTestSuite y_ file JSON', () => {
    const y = bracketed.filter((x) => x.f.startsWith('y_'));
    expect(y.length).toBe(87);
    expect(y.filter((x) => detectFormat(x.text) !== 'json').map((x) => x.f)).toEqual([]);
  });

  it('calls 68 of the 170 bracketed n_ files JSON; the rest read as code, Python or JavaScript', () => {
    const n = bracketed.filter((x) => x.f.startsWith('n_'));
    expect(n.length).toBe(170);
    // Broken JSON that is another language's syntax ({'a':0} is Python, {"a":"b"}// is JavaScript,
    // [1+2] is an expression) is not called JSON, nor a lone word in brackets ([tru] could open an
    // INI section); JSON written wrong ([ true, tru / ["x", truth] / {"a" "b"}) is.
    expect(n.filter((x) => detectFormat(x.text) === 'json').length).toBe(68);
    for (const f of [
      'n_structure_unclosed_array_unfinished_true.json',
      'n_object_bad_value.json',
      'n_object_trailing_comma.json',
      'n_array_unclosed_trailing_comma.json',
      'n_object_missing_semicolon.json',
    ]) {
      expect(detectFormat(bracketed.find((x) => x.f === f)?.text ?? ''), f).toBe('json');
    }
    expect(detectFormat('{"a": 1, "b": [1, 2,]}')).toBe('json');
    expect(detectFormat('{"name": "Ann", "active": ture}')).toBe('json');
  });

  it('still rejects broken JSON in an untagged fence', async () => {
    expect(await checker.checkInstruction('Fix:\n```\n{"a": 1, "b": [1, 2,]}\n```')).toMatchObject({ ok: false, reason: 'invalid-json' });
    expect(await checker.checkInstruction('Fix:\n```\n[tru]\n```', { expectFormat: 'json' })).toMatchObject({
      ok: false,
      reason: 'invalid-json',
    });
  });
});
