// The snapshot's state file: JSON lines written and read a line at a time (version 2), version 1
// files still read, and a damaged file named with its line instead of a half-restored index.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textHash } from './deduper.ts';
import { createDeduper } from './deduper.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'evolflow-dedup-snapshot-'));
const exact = (snapshotDir: string) => createDeduper({ mode: 'exact', threshold: 0.9, modelDir: 'unused', snapshotDir });

describe('dedup snapshot state file', () => {
  it('is a header line and one [id, hash, label] line per kept record, in keep order', async () => {
    const dir = tmp();
    const d = await exact(dir);
    for (let i = 0; i < 3; i++) await d.decide(`r${i}`, `instruction number ${i}`);
    await d.snapshot();
    const lines = readFileSync(join(dir, 'state-00000001.jsonl'), 'utf8').split('\n');
    expect(lines).toEqual([
      JSON.stringify({ version: 2, mode: 'exact', model: null, variant: null, dimension: 0, count: 3 }),
      JSON.stringify(['r0', textHash('instruction number 0'), -1]),
      JSON.stringify(['r1', textHash('instruction number 1'), -1]),
      JSON.stringify(['r2', textHash('instruction number 2'), -1]),
      '',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8'))).toEqual({
      generation: 1,
      state: 'state-00000001.jsonl',
      index: null,
    });
  });

  it('restores 20,000 kept records written through more than one write', async () => {
    const dir = tmp();
    const d = await exact(dir);
    // About 100 bytes a line: 2 MB, past the 1 MiB the writer gathers before a write.
    for (let i = 0; i < 20_000; i++) await d.decide(`record-${i}`, `instruction number ${i}`);
    await d.snapshot();
    const e = await exact(dir);
    expect(e.size()).toBe(20_000);
    expect(await e.decide('again', 'Instruction number 19999')).toMatchObject({ duplicate: true, nearestId: 'record-19999' });
    expect(await e.decide('new', 'instruction number 20000')).toMatchObject({ duplicate: false });
  });

  it('still reads a version 1 state file (one JSON object)', async () => {
    const dir = tmp();
    const state = { version: 1, mode: 'exact', model: null, variant: null, dimension: 0, kept: [['old-1', textHash('Tell a joke'), -1]] };
    writeFileSync(join(dir, 'state-00000004.json'), JSON.stringify(state));
    writeFileSync(join(dir, 'snapshot.json'), JSON.stringify({ generation: 4, state: 'state-00000004.json', index: null }));
    const d = await exact(dir);
    expect(d.size()).toBe(1);
    expect(await d.decide('x', 'tell a JOKE')).toMatchObject({ duplicate: true, nearestId: 'old-1' });
    // The next snapshot is a version 2 generation, and the old one is removed.
    await d.snapshot();
    expect(JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8'))).toMatchObject({ generation: 5, state: 'state-00000005.jsonl' });
    expect(readFileSync(join(dir, 'state-00000005.jsonl'), 'utf8').split('\n')[0]).toContain('"version":2');
  });

  it('names the file and line of a damaged row, and a file cut short, instead of starting half-restored', async () => {
    const dir = tmp();
    const d = await exact(dir);
    for (let i = 0; i < 3; i++) await d.decide(`r${i}`, `instruction number ${i}`);
    await d.snapshot();
    const file = join(dir, 'state-00000001.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], lines[1], '["r1", "abc"', lines[3], ''].join('\n'));
    await expect(exact(dir)).rejects.toThrow(
      `dedup snapshot state ${file} is not valid JSON at line 3; delete ${dir} to start from an empty index`,
    );
    writeFileSync(file, [lines[0], lines[1], '{"id": "r1"}', lines[3], ''].join('\n'));
    await expect(exact(dir)).rejects.toThrow(`dedup snapshot state ${file} line 3 is not a kept row [id, hash, label]; delete ${dir}`);
    writeFileSync(file, [lines[0], lines[1], ''].join('\n'));
    await expect(exact(dir)).rejects.toThrow(`dedup snapshot state ${file} ends after 1 of its 3 kept rows; delete ${dir}`);
  });
});
