import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { difficultyCommand, lineText } from './difficulty.ts';
import { mixCommand } from './mix.ts';

const usage = { promptTokens: 0, completionTokens: 0, calls: 0 };
const seeds: EvolRecord[] = Array.from({ length: 20 }, (_, i) => {
  const id = seedRecordId('seeds.jsonl', i + 1, `Task ${i}`);
  return { id, seedId: id, parentId: null, round: 0, instruction: `Name a colour number ${i}.`, response: `Colour ${i}.`, lineage: [], checks: [], usage };
});
const kept: EvolRecord[] = seeds.flatMap((s) => [1, 2].map((round): EvolRecord => {
  const id = childRecordId(s.id, round);
  return { ...s, id, parentId: s.id, round, strategy: 'deepening', instruction: `${s.instruction} Explain why, step by step.`.repeat(round), lineage: [{ id, round, strategy: 'deepening' }] };
}));
const runDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-mix-'));
  writeFileSync(join(dir, 'seeds.jsonl'), seeds.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(join(dir, 'kept.jsonl'), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return dir;
};
const capture = () => {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  return out;
};
afterEach(() => vi.restoreAllMocks());

describe('evolflow mix', () => {
  it('re-mixes a run folder into the chosen format and share, without an LLM', async () => {
    const dir = runDir();
    const out = mkdtempSync(join(tmpdir(), 'cli-mix-out-'));
    const printed = capture();
    const code = await mixCommand.run(['--in', dir, '--out', out, '--replay-share', '0.5', '--batch-size', '8', '--format', 'openai', '--order', 'shuffle']);
    expect(code).toBe(0);
    const lines = readFileSync(join(out, 'dataset.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(80); // 40 evolved + 40 seeds
    expect(lines.every((l) => Array.isArray(l.messages))).toBe(true);
    expect(printed.join('')).toContain('mixed 80 records (40 evolved, 40 replayed seeds, share 0.5000)');
  });

  it('names the missing file of a folder that is not a run', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cli-mix-empty-'));
    await expect(mixCommand.run(['--in', empty, '--out', empty])).rejects.toThrow(/kept.jsonl not found/);
  });
});

describe('evolflow difficulty', () => {
  it('prints one score per input line, empty for a line without text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-diff-'));
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, ['{"instruction":"Say hi."}', '{"other":1}', 'Prove that there are infinitely many primes, step by step, and explain each step.', '{"turns":["What if?"]}'].join('\n'));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const printed = capture();
    expect(await difficultyCommand.run(['--in', file])).toBe(0);
    const scores = printed.join('').split('\n').slice(0, -1);
    expect(scores.length).toBe(4);
    expect(scores[1]).toBe('');
    expect(scores[3]).toBe('');
    expect(Number(scores[2])).toBeGreaterThan(Number(scores[0]));
    expect(lineText('{"turns":["What if?"]}', 'turns')).toEqual({ text: 'What if?', round: 0 });
    expect(lineText('{"a":{"b":"x"},"round":2}', 'a.b')).toEqual({ text: 'x', round: 2 });
  });
});
