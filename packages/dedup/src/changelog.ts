// The wire form of a kept entry for a compacted changelog topic (key = record id): JSON with the vector
// as base64 little-endian float32, so a restarted deduper rebuilds its index without re-embedding.
import { EvolflowError } from '@evolflow/core';
import type { KeptEntry } from './types.ts';

/** One changelog message value. */
export function encodeKeptEntry(entry: KeptEntry): string {
  const body: { id: string; hash: string; vector?: string } = { id: entry.id, hash: entry.hash };
  if (entry.vector) body.vector = Buffer.from(entry.vector.buffer, entry.vector.byteOffset, entry.vector.byteLength).toString('base64');
  return JSON.stringify(body);
}

/** Parse a changelog message value written by `encodeKeptEntry`; `where` names it in errors (topic, partition, offset). */
export function decodeKeptEntry(value: string | Buffer, where = 'dedup changelog'): KeptEntry {
  let body: { id?: unknown; hash?: unknown; vector?: unknown };
  try {
    body = JSON.parse(value.toString()) as typeof body;
  } catch (cause) {
    throw new EvolflowError('input', `${where}: a message is not JSON; the changelog topic must hold only dedup kept entries`, { cause });
  }
  if (typeof body.id !== 'string' || typeof body.hash !== 'string' || (body.vector !== undefined && typeof body.vector !== 'string')) {
    throw new EvolflowError('input', `${where}: a message lacks id/hash strings (or has a non-base64 vector)`);
  }
  if (body.vector === undefined) return { id: body.id, hash: body.hash };
  const bytes = Buffer.from(body.vector, 'base64');
  if (bytes.length % 4 !== 0)
    throw new EvolflowError('input', `${where}: entry ${body.id} has a vector of ${bytes.length} bytes, not whole float32s`);
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return { id: body.id, hash: body.hash, vector };
}
