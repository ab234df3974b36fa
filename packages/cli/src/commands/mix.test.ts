import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { readVicunaQuestions, vicunaPath } from '@evolflow/testdata';
import { lineText } from './difficulty.ts';
import { boundCommand } from './index.ts';

const difficultyCommand = boundCommand('difficulty');
const mixCommand = boundCommand('mix');

const usage = { promptTokens: 0, completionTokens: 0, calls: 0 };
const seeds: EvolRecord[] = Array.from({ length: 20 }, (_, i) => {
  const id = seedRecordId('seeds.jsonl', i + 1, `Task ${i}`);
  return {
    id,
    seedId: id,
    parentId: null,
    round: 0,
    instruction: `Name a colour number ${i}.`,
    response: `Colour ${i}.`,
    lineage: [],
    checks: [],
    usage,
  };
});
const kept: EvolRecord[] = seeds.flatMap((s) =>
  [1, 2].map((round): EvolRecord => {
    const id = childRecordId(s.id, round);
    return {
      ...s,
      id,
      parentId: s.id,
      round,
      strategy: 'deepening',
      instruction: `${s.instruction} Explain why, step by step.`.repeat(round),
      lineage: [{ id, round, strategy: 'deepening' }],
    };
  }),
);
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
    const code = await mixCommand.run([
      '--in',
      dir,
      '--out',
      out,
      '--replay-share',
      '0.5',
      '--batch-size',
      '8',
      '--format',
      'openai',
      '--order',
      'shuffle',
    ]);
    expect(code).toBe(0);
    const lines = readFileSync(join(out, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(80); // 40 evolved + 40 seeds
    expect(lines.every((l) => Array.isArray(l.messages))).toBe(true);
    expect(printed.join('')).toContain('mixed 80 records (40 evolved, 40 replayed seeds, share 0.5000)');
  });

  it('takes --seeds-per-batch (and the old name --replay-count) as replayed seeds in every batch', async () => {
    const help = mixCommand.usage.replace(/\s+/g, ' ');
    expect(help).toContain('--seeds-per-batch N replayed seeds in every batch');
    expect(help).toContain('--replay-count N the old name of --seeds-per-batch (means the same: seeds per batch)');
    for (const flag of ['--seeds-per-batch', '--replay-count']) {
      const out = mkdtempSync(join(tmpdir(), 'cli-mix-count-'));
      const printed = capture();
      expect(await mixCommand.run(['--in', runDir(), '--out', out, flag, '2', '--batch-size', '8', '--no-parquet'])).toBe(0);
      // 40 evolved, 6 per batch of 8 plus 2 seeds; the last, partial batch (4 evolved) gets its share of 2/8: 1 seed.
      expect(printed.join('')).toContain('mixed 53 records (40 evolved, 13 replayed seeds, share 0.2453) in 7 batches');
      vi.restoreAllMocks();
    }
  });

  it('leaves out seeds that copy an evaluation item, says why in one line, and lists them in contaminated.jsonl', async () => {
    const dir = runDir();
    const evalSeeds = readVicunaQuestions()
      .slice(0, 2)
      .map((q, i): EvolRecord => {
        const id = seedRecordId('eval.jsonl', i + 1, q);
        return { id, seedId: id, parentId: null, round: 0, instruction: q, response: 'An answer.', lineage: [], checks: [], usage };
      });
    const bare = { ...(seeds[0] as EvolRecord), id: 's-bare', seedId: 's-bare' };
    delete (bare as { response?: string }).response;
    writeFileSync(join(dir, 'seeds.jsonl'), [...seeds, ...evalSeeds, bare].map((r) => `${JSON.stringify(r)}\n`).join(''));
    const out = mkdtempSync(join(tmpdir(), 'cli-mix-decon-'));
    const printed = capture();
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    expect(await mixCommand.run(['--in', dir, '--out', out, '--replay-share', '0.5', '--decontaminate', vicunaPath, '--no-parquet'])).toBe(
      0,
    );
    expect(printed.join('')).toContain(
      'left out: 2 contaminated (2 seeds, 0 evolved; see contaminated.jsonl), 1 without a response (1 seeds, 0 evolved)',
    );
    expect(errors).toEqual([
      'mix: left out 3 records: 2 contaminated (2 seeds, 0 evolved records, 0 descendants of contaminated seeds; each with the evaluation item it matched in contaminated.jsonl); 1 without a response to train on (1 seeds, 0 evolved records)\n',
    ]);
    const drops = readFileSync(join(out, 'contaminated.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(drops.map((d) => [d.kind, d.matches[0].set, d.matches[0].line, d.matches[0].test]).sort()).toEqual([
      ['seed', 'vicuna-80.jsonl', 1, 'ngram'],
      ['seed', 'vicuna-80.jsonl', 2, 'ngram'],
    ]);
    const dataset = readFileSync(join(out, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8');
    for (const s of evalSeeds) expect(dataset).not.toContain(s.instruction);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('`vicuna-80.jsonl` (80 items)');
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
    writeFileSync(
      file,
      [
        '{"instruction":"Say hi."}',
        '{"other":1}',
        'Prove that there are infinitely many primes, step by step, and explain each step.',
        '{"turns":["What if?"]}',
      ].join('\n'),
    );
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
