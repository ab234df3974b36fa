import { appendFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zeroUsage, type EvolRecord } from '@evolflow/core';
import { openJournal, STATE_DIR } from './journal.ts';

const rec = (i: number): EvolRecord => ({
  id: `r${i}`,
  seedId: `s${i}`,
  parentId: null,
  round: 1,
  instruction: `Instruction ${i}: ${'é'.repeat(i % 7)} explain it.`,
  response: 'ok',
  lineage: [],
  checks: [],
  usage: zeroUsage(),
});

describe('mix journal', () => {
  it('reads back, in chunks smaller than a line, every event written, and cuts a torn last line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    const first = openJournal(dir);
    for (let i = 0; i < 200; i++) first.append({ t: 'evolved', record: rec(i) });
    first.append({ t: 'cut' });
    first.close();
    const file = join(dir, STATE_DIR, 'journal.jsonl');
    const whole = statSync(file).size;
    appendFileSync(file, '{"t":"evolved","record":{"id":"torn'); // a crash mid-write
    const again = openJournal(dir, { chunkBytes: 7 });
    expect(again.recovered).toHaveLength(201);
    expect(again.recovered[199]).toEqual({ t: 'evolved', record: rec(199) });
    expect(again.recovered[200]).toEqual({ t: 'cut' });
    expect(statSync(file).size).toBe(whole);
    again.append({ t: 'cut' });
    again.close();
    expect(readFileSync(file, 'utf8').endsWith('{"t":"cut"}\n{"t":"cut"}\n')).toBe(true);
  });

  it('names the file and line of a journal line that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-'));
    openJournal(dir).close();
    appendFileSync(join(dir, STATE_DIR, 'journal.jsonl'), '{"t":"cut"}\nnot json\n');
    expect(() => openJournal(dir, { chunkBytes: 3 })).toThrow(/journal\.jsonl:2: journal line is not JSON/);
  });
});
