// Reading seed files line by line into records or rejects that name the file and line.
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { EvolflowError, seedFields, seedRecord, seedRecordId, zeroUsage, type EvolRecord, type ReasonCode } from '@evolflow/core';

/** One item of a seed file: a seed, or a reject naming where and why. */
export type SeedItem = { kind: 'seed'; record: EvolRecord } | { kind: 'reject'; record: EvolRecord };

export interface SeedFileOptions {
  /** Largest instruction accepted, in bytes (default 64 KiB). */
  maxInstructionBytes?: number;
  /** How to read lines: by extension when absent (.json = one JSON document, .jsonl = JSON lines, else text). */
  format?: 'jsonl' | 'json' | 'text';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reject(file: string, line: number, reason: ReasonCode, detail: string, raw = ''): SeedItem {
  const id = seedRecordId(file, line, raw.slice(0, 200));
  return {
    kind: 'reject',
    record: {
      id, seedId: id, parentId: null, round: 0, instruction: raw.slice(0, 200), lineage: [], checks: [{ stage: 'seed', reason, detail }],
      usage: zeroUsage(), source: { file, line, format: 'unknown' },
      rejection: { stage: 'seed', reason, detail: `${file}:${line}: ${detail}` },
    },
  };
}

/** Check seed fields and turn them into an item. */
export function seedItem(value: unknown, where: { file: string; line: number }, maxBytes: number): SeedItem {
  let fields;
  try {
    fields = seedFields(value);
  } catch (err) {
    return reject(where.file, where.line, 'malformed-line', (err as Error).message, typeof value === 'string' ? value : JSON.stringify(value));
  }
  if (fields.instruction.trim() === '') return reject(where.file, where.line, 'empty-instruction', 'the instruction is empty');
  const bytes = Buffer.byteLength(fields.instruction, 'utf8');
  if (bytes > maxBytes) return reject(where.file, where.line, 'too-large', `the instruction has ${bytes} bytes, more than the ${maxBytes}-byte limit`, fields.instruction);
  return { kind: 'seed', record: seedRecord(fields, { file: where.file, line: where.line, format: fields.format }) };
}

async function* lines(path: string): AsyncGenerator<{ line: number; bytes: Buffer }> {
  const handle = await open(path, 'r');
  try {
    let rest = Buffer.alloc(0);
    let line = 0;
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      let buf = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
      let nl: number;
      while ((nl = buf.indexOf(10)) >= 0) {
        line++;
        yield { line, bytes: buf.subarray(0, nl) };
        buf = buf.subarray(nl + 1);
      }
      rest = Buffer.from(buf);
    }
    if (rest.length > 0) yield { line: line + 1, bytes: rest };
  } finally {
    await handle.close();
  }
}

/**
 * Read a seed file: every line (or array element of a .json file) becomes a seed or a reject.
 * Rejects carry `file:line` and a reason; nothing stops the rest of the file.
 */
export async function* readSeedFile(path: string, options: SeedFileOptions = {}): AsyncGenerator<SeedItem> {
  const maxBytes = options.maxInstructionBytes ?? 65_536;
  const file = basename(path);
  const format = options.format ?? (extname(path) === '.json' ? 'json' : extname(path) === '.jsonl' || extname(path) === '.ndjson' ? 'jsonl' : 'text');
  try {
    await (await open(path, 'r')).close();
  } catch (cause) {
    throw new EvolflowError('input', `cannot read seed file ${path}: ${(cause as Error).message}`, { cause });
  }
  if (format === 'json') {
    const { readFile } = await import('node:fs/promises');
    let doc: unknown;
    try {
      doc = JSON.parse(utf8.decode(await readFile(path)));
    } catch (cause) {
      throw new EvolflowError('input', `seed file ${path} is not a JSON document: ${(cause as Error).message}; use .jsonl for JSON lines`, { cause });
    }
    if (!Array.isArray(doc)) throw new EvolflowError('input', `seed file ${path} must hold a JSON array of seeds`);
    // In a JSON array the "line" is the element's position (1-based).
    for (const [i, value] of doc.entries()) yield seedItem(value, { file, line: i + 1 }, maxBytes);
    return;
  }
  for await (const { line, bytes } of lines(path)) {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      yield reject(file, line, 'not-utf8', 'the line is not valid UTF-8', bytes.toString('latin1'));
      continue;
    }
    const trimmed = text.replace(/\r$/, '');
    if (trimmed.trim() === '') continue; // blank lines are not seeds
    if (format === 'text') {
      yield seedItem(trimmed, { file, line }, maxBytes);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      yield reject(file, line, 'malformed-line', `not valid JSON: ${(err as Error).message}`, trimmed);
      continue;
    }
    yield seedItem(value, { file, line }, maxBytes);
  }
}
