// Reading seed files line by line into records or rejects that name the file and line.
import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { EvolflowError, seedFields, seedRecord, seedRecordId, zeroUsage, type EvolRecord, type ReasonCode } from '@evolflow/core';

/** One item of a seed file: a seed, or a reject naming where and why. */
export type SeedItem = { kind: 'seed'; record: EvolRecord } | { kind: 'reject'; record: EvolRecord };

export interface SeedFileOptions {
  /** Largest instruction accepted, in bytes (default 64 KiB). */
  maxInstructionBytes?: number;
  /** Largest line accepted, in bytes (default 4 MiB); a longer line is skipped unread and rejected `too-large`. */
  maxLineBytes?: number;
  /** Deepest nesting of arrays and objects accepted in a JSON line (default 64); deeper lines are rejected `too-deep` before they are parsed. */
  maxDepth?: number;
  /** How to read lines: by extension when absent (.json = one JSON document, .jsonl = JSON lines, .parquet = Parquet rows, else text). */
  format?: 'jsonl' | 'json' | 'text' | 'parquet';
  /**
   * Follow a growing file (`run --follow`): start at `from` (a position an earlier read reported),
   * read complete lines only (a last line without its newline is left for the next read), and report
   * through `onEnd` where the next read starts. JSON lines and text only.
   */
  tail?: { from: SeedFilePosition; onEnd(next: SeedFilePosition): void };
}

/** A place in a seed file: the byte offset of a line's start and that line's number less one. */
export interface SeedFilePosition {
  byte: number;
  line: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Largest `.json` document read whole; a bigger file must be JSON lines. */
const MAX_JSON_DOCUMENT_BYTES = 256 * 1024 * 1024;

/**
 * The line (1-based, counting from `firstLine`) where the nesting of arrays and objects in `bytes`
 * first passes `max`, or 0 when it never does. A byte scan that skips strings: it runs before
 * JSON.parse, so a line nested thousands deep never reaches a recursive parser or stringifier.
 */
export function depthExceeded(bytes: Uint8Array, max: number, firstLine = 1): number {
  if (bytes.length <= max) return 0;
  let depth = 0;
  let line = firstLine;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return line;
    } else if (b === 0x5d || b === 0x7d) depth--;
    if (b === 0x0a) line++;
  }
  return 0;
}

/** A seed-stage reject of the line at `where` for `reason`; `raw` is the line's text, when there is one. */
function reject(
  { file, line }: { file: string; line: number },
  { reason, detail, raw = '' }: { reason: ReasonCode | 'too-deep'; detail: string; raw?: string },
): SeedItem {
  const id = seedRecordId(file, line, raw.slice(0, 200));
  return {
    kind: 'reject',
    record: {
      id,
      seedId: id,
      parentId: null,
      round: 0,
      instruction: raw.slice(0, 200),
      lineage: [],
      checks: [{ stage: 'seed', reason, detail }],
      usage: zeroUsage(),
      source: { file, line, format: 'unknown' },
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
    return reject(where, {
      reason: 'malformed-line',
      detail: (err as Error).message,
      raw: typeof value === 'string' ? value : JSON.stringify(value),
    });
  }
  if (fields.instruction.trim() === '') return reject(where, { reason: 'empty-instruction', detail: 'the instruction is empty' });
  const bytes = Buffer.byteLength(fields.instruction, 'utf8');
  if (bytes > maxBytes)
    return reject(where, {
      reason: 'too-large',
      detail: `the instruction has ${bytes} bytes, more than the ${maxBytes}-byte limit`,
      raw: fields.instruction,
    });
  return { kind: 'seed', record: seedRecord(fields, { file: where.file, line: where.line, format: fields.format }) };
}

/** A Parquet row as JSON could hold it (64-bit integers come as bigint). */
const jsonSafe = (v: unknown): unknown =>
  typeof v === 'bigint'
    ? Number(v)
    : Array.isArray(v)
      ? v.map(jsonSafe)
      : v !== null && typeof v === 'object' && !(v instanceof Date)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
        : v;

/** The lines of a file; a line longer than `maxBytes` is not held: it comes as its length alone. */
async function* lines(
  path: string,
  maxBytes: number,
  tail?: SeedFileOptions['tail'],
): AsyncGenerator<{ line: number; bytes: Buffer } | { line: number; tooLong: number }> {
  const handle = await open(path, 'r');
  try {
    let rest = Buffer.alloc(0);
    let line = tail?.from.line ?? 0;
    let position = tail?.from.byte ?? 0;
    /** Byte offset just after the last newline read. */
    let lineStart = position;
    /** Bytes of the current line skipped so far, once it is known to be too long (-1: not skipping). */
    let skipped = -1;
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      const chunkStart = position - (skipped >= 0 ? 0 : rest.length);
      position += bytesRead;
      let buf = skipped >= 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
      let nl: number;
      let consumed = 0;
      while ((nl = buf.indexOf(10)) >= 0) {
        line++;
        consumed += nl + 1;
        lineStart = chunkStart + consumed;
        if (skipped >= 0) {
          yield { line, tooLong: skipped + nl };
          skipped = -1;
        } else if (nl > maxBytes) yield { line, tooLong: nl };
        else yield { line, bytes: buf.subarray(0, nl) };
        buf = buf.subarray(nl + 1);
      }
      if (skipped >= 0) skipped += buf.length;
      else if (buf.length > maxBytes) {
        skipped = buf.length;
        rest = Buffer.alloc(0);
      } else rest = Buffer.from(buf);
    }
    if (tail) tail.onEnd({ byte: lineStart, line });
    else if (skipped >= 0) yield { line: line + 1, tooLong: skipped };
    else if (rest.length > 0) yield { line: line + 1, bytes: rest };
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
  const maxLineBytes = options.maxLineBytes ?? 4 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 64;
  const file = basename(path);
  const ext = extname(path);
  const format =
    options.format ??
    (ext === '.json' ? 'json' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : ext === '.parquet' ? 'parquet' : 'text');
  let size: number;
  try {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new Error('it is a folder, not a file');
      size = info.size;
    } finally {
      await handle.close();
    }
  } catch (cause) {
    throw new EvolflowError('input', `cannot read seed file ${path}: ${(cause as Error).message}`, { cause, details: { file: path } });
  }
  if (format === 'parquet') {
    // A dataset evolflow (or anyone) wrote as Parquet: each row is a seed in any shape a JSON line may
    // have (Alpaca, ShareGPT, OpenAI messages...); its "line" is the row number (1-based).
    if (options.tail)
      throw new EvolflowError(
        'input',
        `seed file ${path} is Parquet and cannot be followed: write it as JSON lines (.jsonl) for --follow`,
        { details: { file: path } },
      );
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
    } catch (cause) {
      throw new EvolflowError('input', `seed file ${path} is not a readable Parquet file: ${(cause as Error).message}`, {
        cause,
        details: { file: path },
      });
    }
    for (const [i, value] of rows.entries()) yield seedItem(jsonSafe(value), { file, line: i + 1 }, maxBytes);
    return;
  }
  if (format === 'json') {
    if (options.tail)
      throw new EvolflowError(
        'input',
        `seed file ${path} is one JSON document and cannot be followed: write it as JSON lines (.jsonl) for --follow`,
        { details: { file: path } },
      );
    const { readFile } = await import('node:fs/promises');
    if (size > MAX_JSON_DOCUMENT_BYTES) {
      throw new EvolflowError(
        'input',
        `seed file ${path} has ${size} bytes, more than a .json document may (${MAX_JSON_DOCUMENT_BYTES}); write it as JSON lines (.jsonl)`,
        { details: { file: path } },
      );
    }
    const bytes = await readFile(path);
    // A .json document is nested one level more than a line: the array around the seeds.
    const deepAt = depthExceeded(bytes, maxDepth + 1);
    if (deepAt > 0)
      throw new EvolflowError(
        'input',
        `seed file ${path}:${deepAt}: nested more than ${maxDepth} levels deep (too-deep); fix the document or raise the limit`,
        { details: { file: path, line: deepAt } },
      );
    let doc: unknown;
    try {
      doc = JSON.parse(utf8.decode(bytes));
    } catch (cause) {
      throw new EvolflowError('input', `seed file ${path} is not a JSON document: ${(cause as Error).message}; use .jsonl for JSON lines`, {
        cause,
      });
    }
    if (!Array.isArray(doc)) throw new EvolflowError('input', `seed file ${path} must hold a JSON array of seeds`);
    // In a JSON array the "line" is the element's position (1-based).
    for (const [i, value] of doc.entries()) yield seedItem(value, { file, line: i + 1 }, maxBytes);
    return;
  }
  for await (const item of lines(path, maxLineBytes, options.tail)) {
    const { line } = item;
    if ('tooLong' in item) {
      yield reject(
        { file, line },
        { reason: 'too-large', detail: `the line has ${item.tooLong} bytes, more than the ${maxLineBytes}-byte line limit` },
      );
      continue;
    }
    const { bytes } = item;
    if (format === 'jsonl' && depthExceeded(bytes, maxDepth) > 0) {
      yield reject(
        { file, line },
        {
          reason: 'too-deep',
          detail: `the line nests arrays and objects more than ${maxDepth} levels deep`,
          raw: bytes.subarray(0, 200).toString('utf8'),
        },
      );
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      yield reject({ file, line }, { reason: 'not-utf8', detail: 'the line is not valid UTF-8', raw: bytes.toString('latin1') });
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
      yield reject({ file, line }, { reason: 'malformed-line', detail: `not valid JSON: ${(err as Error).message}`, raw: trimmed });
      continue;
    }
    yield seedItem(value, { file, line }, maxBytes);
  }
}
