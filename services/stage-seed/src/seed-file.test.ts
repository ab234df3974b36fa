import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedTasksPath } from '@evolflow/testdata';
import { describe, expect, it } from 'vitest';
import { depthExceeded, readSeedFile, type SeedItem } from './seed-file.ts';

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
    const rejects = items
      .filter((i) => i.kind === 'reject')
      .map((i) => ({ line: i.record.source?.line, reason: i.record.rejection?.reason, detail: i.record.rejection?.detail }));
    expect(rejects.map(({ line, reason }) => ({ line, reason }))).toEqual([
      { line: 2, reason: 'malformed-line' },
      { line: 3, reason: 'empty-instruction' },
      { line: 4, reason: 'not-utf8' },
      { line: 5, reason: 'too-large' },
      { line: 7, reason: 'malformed-line' },
    ]);
    for (const r of rejects) expect(r.detail).toMatch(new RegExp(`^mixed\\.jsonl:${r.line}: `));
    const seeds = items.filter((i) => i.kind === 'seed').map((i) => [i.record.source?.line, i.record.instruction]);
    expect(seeds).toEqual([
      [1, 'Name three primary colors.'],
      [6, 'What is a prime number?'],
      [9, 'Explain recursion.'],
    ]);
  });

  it('reads the 175 self-instruct seeds with stable ids', async () => {
    const path = seedTasksPath;
    const a = await read(path);
    const b = await read(path);
    expect(a.filter((i) => i.kind === 'seed')).toHaveLength(175);
    expect(a.map((i) => i.record.id)).toEqual(b.map((i) => i.record.id));
    expect(new Set(a.map((i) => i.record.id)).size).toBe(175);
  });

  it('reads plain text and JSON array files', async () => {
    const txt = join(dir, 'plain.txt');
    writeFileSync(txt, 'First task\n\nSecond task\n');
    expect((await read(txt)).map((i) => [i.kind, i.record.source?.line])).toEqual([
      ['seed', 1],
      ['seed', 3],
    ]);
    const json = join(dir, 'alpaca.json');
    writeFileSync(json, JSON.stringify([{ instruction: 'A', input: '', output: 'x' }, { instruction: '' }]));
    expect((await read(json)).map((i) => [i.kind, i.record.source?.line])).toEqual([
      ['seed', 1],
      ['reject', 2],
    ]);
  });

  it('rejects a 10 KB line nested 5,000 deep as too-deep with its line, before parsing, and reads on', async () => {
    const path = join(dir, 'deep.jsonl');
    const deep = `{"instruction":"x","input":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(deep.length).toBeGreaterThan(10_000);
    writeFileSync(
      path,
      [
        JSON.stringify({ instruction: 'First.' }),
        deep,
        '['.repeat(5000),
        JSON.stringify({ instruction: 'Last.', input: { a: [[['ok']]] } }),
      ].join('\n'),
    );
    const items = await read(path);
    expect(items.map((i) => [i.kind, i.record.source?.line, i.record.rejection?.reason])).toEqual([
      ['seed', 1, undefined],
      ['reject', 2, 'too-deep'],
      ['reject', 3, 'too-deep'],
      ['seed', 4, undefined],
    ]);
    expect(items[1]?.record.rejection?.detail).toBe('deep.jsonl:2: the line nests arrays and objects more than 64 levels deep');
  });

  it('skips a line past the line limit without holding it, rejected too-large with its line', async () => {
    const path = join(dir, 'long.jsonl');
    // The first line spans three 1 MiB read chunks; the last has no newline.
    writeFileSync(
      path,
      [
        JSON.stringify({ instruction: 'a'.repeat(2_500_000) }),
        JSON.stringify({ instruction: 'short' }),
        `{"instruction":"${'b'.repeat(5000)}`,
      ].join('\n'),
    );
    const items = [];
    for await (const item of readSeedFile(path, { maxLineBytes: 1000 })) items.push(item);
    expect(items.map((i) => [i.kind, i.record.source?.line, i.record.rejection?.reason])).toEqual([
      ['reject', 1, 'too-large'],
      ['seed', 2, undefined],
      ['reject', 3, 'too-large'],
    ]);
    expect(items[2]?.record.rejection?.detail).toBe('long.jsonl:3: the line has 5016 bytes, more than the 1000-byte line limit');
    expect(items[0]?.record.rejection?.detail).toBe('long.jsonl:1: the line has 2500018 bytes, more than the 1000-byte line limit');
  });

  it('counts strings as flat when measuring depth, brackets inside them included', () => {
    expect(depthExceeded(Buffer.from(`{"instruction":"${'['.repeat(500)}\\"]"}`), 64)).toBe(0);
    expect(depthExceeded(Buffer.from(`[${'['.repeat(64)}${']'.repeat(64)}]`), 64)).toBe(1);
    expect(depthExceeded(Buffer.from(`[\n${'['.repeat(64)}`), 64)).toBe(2);
  });

  it('fails with the path when the seed file is a folder or a too deep .json document', async () => {
    await expect(read(dir)).rejects.toThrow(`cannot read seed file ${dir}: it is a folder, not a file`);
    const json = join(dir, 'deep.json');
    writeFileSync(json, `[\n{"instruction": "x", "input": ${'['.repeat(100)}${']'.repeat(100)}}\n]`);
    await expect(read(json)).rejects.toThrow(`seed file ${json}:2: nested more than 64 levels deep (too-deep)`);
  });

  it('fails with the path when the file cannot be read', async () => {
    await expect(read(join(dir, 'missing.jsonl'))).rejects.toThrow(/cannot read seed file .*missing\.jsonl/);
  });
});
