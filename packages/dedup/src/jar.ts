// Read named entries out of a zip/jar held in memory (stored or deflated), enough for model jars.
import { inflateRawSync } from 'node:zlib';
import { EvolflowError } from '@evolflow/core';

/** The bytes of each wanted entry, by name; throws when one is missing. */
export function extractEntries(zip: Buffer, wanted: readonly string[], source: string): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new EvolflowError('model', `${source} is not a zip/jar file (no end-of-central-directory record)`);
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new EvolflowError('model', `${source}: corrupt central directory at byte ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + skip;
    if (!wanted.includes(name)) continue;
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : null;
    if (!data || data.length !== size) throw new EvolflowError('model', `${source}: cannot extract ${name} (compression method ${method})`);
    out.set(name, data);
  }
  const missing = wanted.filter((w) => !out.has(w));
  if (missing.length > 0) throw new EvolflowError('model', `${source} lacks ${missing.join(', ')}`);
  return out;
}
