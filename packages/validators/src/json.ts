// The JSON validator: strict parsing (JSON.parse, positions from a strict scanner), strict UTF-8
// for raw bytes, and JSON Schema validation with ajv when the instruction carries a schema.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { defineValidator, type ValidationResult, type Validator } from '@evolflow/core';
import { scanJson } from './json-scan.ts';
import { fail, failAt } from './position.ts';

// ajv-formats is CommonJS: its default export arrives wrapped under Node's ESM loader.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Parse `text` as exactly one JSON value; on failure, the message and 1-based position. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; result: ValidationResult } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (cause) {
    const scanned = scanJson(text);
    const v8 = (cause as Error).message;
    const at = /at position (\d+)/.exec(v8);
    const offset = at ? Number(at[1]) : (scanned?.offset ?? text.length);
    const message = scanned?.message ?? v8;
    return { ok: false, result: failAt('json', text, { message: `invalid JSON: ${message}`, offset }) };
  }
}

/** The offset of the first byte that breaks UTF-8 (overlong forms and surrogates included). */
function firstBadUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const second = b[i + 1] ?? 0;
    if (second < lo || second > hi) return i;
    for (let k = 2; k < len; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += len;
  }
  return b.length;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Validate raw bytes as JSON: the bytes must be UTF-8 (RFC 8259 section 8.1) and a byte-order
 * mark is not silently dropped (JSON's grammar has no BOM, so one is rejected).
 */
export function validateJsonBytes(bytes: Uint8Array): ValidationResult {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return fail('json', `invalid JSON: the bytes are not valid UTF-8 (byte ${firstBadUtf8(bytes)}); JSON text must be UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff)
    return fail('json', 'invalid JSON: the text starts with a byte-order mark (U+FEFF), which JSON does not allow', { line: 1, column: 1 });
  const parsed = parseJson(text);
  return parsed.ok ? { ok: true, format: 'json' } : parsed.result;
}

const compiled = new Map<string, ValidateFunction | string>();
let ajvs: { draft7: Ajv; d2019: Ajv2019; d2020: Ajv2020 } | undefined;

function ajvFor(schema: Record<string, unknown>): Ajv | Ajv2019 | Ajv2020 {
  ajvs ??= {
    draft7: addFormats(new Ajv({ strict: false, allErrors: false })),
    d2019: addFormats(new Ajv2019({ strict: false }) as unknown as Ajv) as unknown as Ajv2019,
    d2020: addFormats(new Ajv2020({ strict: false }) as unknown as Ajv) as unknown as Ajv2020,
  };
  const uri = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (uri.includes('2020-12')) return ajvs.d2020;
  if (uri.includes('2019-09')) return ajvs.d2019;
  return ajvs.draft7;
}

/** Compile a JSON Schema once; a string is the reason it is not a valid schema. */
export function compileSchema(schema: unknown): ValidateFunction | string {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'a JSON Schema must be an object';
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  const s = { ...(schema as Record<string, unknown>) };
  const uri = typeof s.$schema === 'string' ? s.$schema : '';
  // Older drafts (04, 06) and unknown meta-schema URIs: check against draft-07, the closest ajv knows.
  if (uri && !/draft-07|2019-09|2020-12/.test(uri)) delete s.$schema;
  let out: ValidateFunction | string;
  try {
    out = ajvFor(s).compile(s);
  } catch (cause) {
    out = (cause as Error).message;
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(key, out);
  return out;
}

/** Creates the JSON validator; `ctx.hints.schema` (a parsed JSON Schema) is checked when present. */
export function jsonValidator(): Validator {
  return defineValidator({
    name: 'json',
    formats: ['json'],
    reason: 'invalid-json',
    validate(text, ctx): ValidationResult {
      const parsed = parseJson(text);
      if (!parsed.ok) return parsed.result;
      const schema = ctx.hints?.schema;
      if (schema === undefined) return { ok: true, format: 'json' };
      const check = compileSchema(schema);
      if (typeof check === 'string') return fail('json:schema', `the JSON Schema given in the instruction is itself invalid: ${check}`);
      if (check(parsed.value)) return { ok: true, format: 'json:schema' };
      const first = check.errors?.[0];
      const where = first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'does not match';
      return fail('json:schema', `the JSON does not match the instruction's JSON Schema: ${where}`, { line: 1, column: 1 });
    },
  });
}
