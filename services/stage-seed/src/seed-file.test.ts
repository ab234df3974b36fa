import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSeedFile, type SeedItem } from './seed-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'evolflow-seeds-'));

async function read(path: string): Promise<SeedItem[]> {
  const out: SeedItem[] = [];
  for await (const item of readSeedFile(path)) out.push(item);
  return out;
}

describe('readSeedFile', () => {
  it('rejects each bad line with its line number and reason and keeps the rest', async () => {
    const path = join(dir, 'mixed.jsonl');
    const lines = [
      Buffer.from(JSON.stringify({ instruction: 'Name three primary colors.' })),
      Buffer.from('{"instruction": "unterminated'),
      Buffer.from(JSON.stringify({ instruction: '   ' })),
      Buffer.concat([Buffer.from('{"instruction": "caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')]),
      Buffer.from(JSON.stringify({ instruction: 'a'.repeat(1_048_576) })),
      Buffer.from(JSON.stringify({ conversations: [{ from: 'human', value: 'What is a prime number?' }] })),
      Buffer.from(JSON.stringify({ nothing: 'here' })),
      Buffer.from(''),
      Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'Explain recursion.' }] })),
    ];
    writeFileSync(path, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const items = await read(path);
    const rejects = items.filter((i) => i.kind === 'reject').map((i) => ({ line: i.record.source?.line, reason: i.record.rejection?.reason, detail: i.record.rejection?.detail }));
    expect(rejects.map(({ line, reason }) => ({ line, reason }))).toEqual([
      { line: 2, reason: 'malformed-line' },
      { line: 3, reason: 'empty-instruction' },
      { line: 4, reason: 'not-utf8' },
      { line: 5, reason: 'too-large' },
      { line: 7, reason: 'malformed-line' },
    ]);
    for (const r of rejects) expect(r.detail).toMatch(new RegExp(`^mixed\\.jsonl:${r.line}: `));
    const seeds = items.filter((i) => i.kind === 'seed').map((i) => [i.record.source?.line, i.record.instruction]);
    expect(seeds).toEqual([[1, 'Name three primary colors.'], [6, 'What is a prime number?'], [9, 'Explain recursion.']]);
  });

  it('reads the 175 self-instruct seeds with stable ids', async () => {
    const path = '../shared/data/seeds/self-instruct-seed-tasks.jsonl';
    const a = await read(path);
    const b = await read(path);
    expect(a.filter((i) => i.kind === 'seed')).toHaveLength(175);
    expect(a.map((i) => i.record.id)).toEqual(b.map((i) => i.record.id));
    expect(new Set(a.map((i) => i.record.id)).size).toBe(175);
  });

  it('reads plain text and JSON array files', async () => {
    const txt = join(dir, 'plain.txt');
    writeFileSync(txt, 'First task\n\nSecond task\n');
    expect((await read(txt)).map((i) => [i.kind, i.record.source?.line])).toEqual([['seed', 1], ['seed', 3]]);
    const json = join(dir, 'alpaca.json');
    writeFileSync(json, JSON.stringify([{ instruction: 'A', input: '', output: 'x' }, { instruction: '' }]));
    expect((await read(json)).map((i) => [i.kind, i.record.source?.line])).toEqual([['seed', 1], ['reject', 2]]);
  });

  it('fails with the path when the file cannot be read', async () => {
    await expect(read(join(dir, 'missing.jsonl'))).rejects.toThrow(/cannot read seed file .*missing\.jsonl/);
  });
});
