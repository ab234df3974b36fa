// The JSON validator against JSONTestSuite (nst/JSONTestSuite): y_ accepted, n_ rejected, i_ listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonTestSuiteDir, jsonTestSuiteFiles } from '@evolflow/testdata';
import { compileSchema, jsonValidator, parseJson, validateJsonBytes } from './json.ts';
import { scanJson } from './json-scan.ts';

const DIR = jsonTestSuiteDir;
const files = jsonTestSuiteFiles();
const bytes = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));

describe('JSONTestSuite', () => {
  it('has the expected 95 y_, 188 n_ and 35 i_ files', () => {
    expect(files.filter((f) => f.startsWith('y_')).length).toBe(95);
    expect(files.filter((f) => f.startsWith('n_')).length).toBe(188);
    expect(files.filter((f) => f.startsWith('i_')).length).toBe(35);
  });

  it.each(files.filter((f) => f.startsWith('y_')))('accepts %s', (f) => {
    expect(validateJsonBytes(bytes(f))).toEqual({ ok: true, format: 'json' });
  });

  it.each(files.filter((f) => f.startsWith('n_')))('rejects %s with a message', (f) => {
    const r = validateJsonBytes(bytes(f));
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/invalid JSON/);
  });

  it('lists what happens to the i_ (implementation-defined) files', () => {
    const lines = files
      .filter((f) => f.startsWith('i_'))
      .map((f) => {
        const r = validateJsonBytes(bytes(f));
        return `${r.ok ? 'accepted' : 'rejected'}  ${f}${r.ok ? '' : `  (${r.error?.message})`}`;
      });
    console.log(`JSONTestSuite i_ results:\n${lines.join('\n')}`);
    expect(lines.length).toBe(35);
  });

  it('the position scanner agrees with JSON.parse on every valid-UTF-8 file', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let compared = 0;
    for (const f of files) {
      let text: string;
      try {
        text = decoder.decode(bytes(f));
      } catch {
        continue;
      }
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      expect(scanJson(text) === undefined, f).toBe(parses);
      compared++;
    }
    expect(compared).toBeGreaterThan(290);
  });
});

describe('JSON errors and schemas', () => {
  it('places an error at its line and column', () => {
    const r = parseJson('{\n  "a": 1,\n  "b": [1, 2,]\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.result.error).toMatchObject({ line: 3, column: 14 });
    const eof = parseJson('{"a": [1, 2');
    if (!eof.ok) expect(eof.result.error).toMatchObject({ line: 1, column: 12 });
  });

  it('rejects a BOM and invalid UTF-8 from bytes', () => {
    expect(validateJsonBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x5b, 0x5d])).error?.message).toMatch(/byte-order mark/);
    expect(validateJsonBytes(new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d])).error?.message).toMatch(/not valid UTF-8 \(byte 2\)/);
  });

  it('validates against a JSON Schema and reports a schema that is itself invalid', async () => {
    const v = jsonValidator();
    const schema = { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, required: ['age'] };
    expect(await v.validate('{"age": 3}', { hints: { schema } })).toEqual({ ok: true, format: 'json:schema' });
    const bad = await v.validate('{"age": -1}', { hints: { schema } });
    expect(bad.ok).toBe(false);
    expect(bad.error?.message).toMatch(/\/age must be >= 0/);
    expect(typeof compileSchema({ type: 'objekt' })).toBe('string');
    expect(
      typeof compileSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] }),
    ).toBe('function');
  });
});
