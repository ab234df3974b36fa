import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { stsbDevPath } from '@evolflow/testdata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundCommand } from './index.ts';

const dedupCommand = boundCommand('dedup');
const similarityCommand = boundCommand('similarity');

// Never reach for the hub from tests: a model missing from the cache comes from Maven Central.
process.env.HF_HUB_OFFLINE = '1';
const STS = stsbDevPath;
const capture = () => {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return out;
};
afterEach(() => {
  vi.restoreAllMocks();
});

const lines = [
  { id: 'a', instruction: 'A man with a hard hat is dancing.' },
  { id: 'b', instruction: 'a man with a hard hat is dancing' },
  { id: 'c', instruction: 'A man wearing a hard hat is dancing.' },
  { id: 'd', instruction: 'The stock market fell sharply today.' },
  { id: 'e', task: { text: 'no instruction here' } },
];

describe('evolflow dedup', () => {
  const input = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-dedup-'));
    writeFileSync(
      join(dir, 'in.jsonl'),
      lines
        .slice(0, 4)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    return dir;
  };

  it('drops exact copies in exact mode and prints the counts', async () => {
    const dir = input();
    const out = capture();
    expect(await dedupCommand.run(['--in', join(dir, 'in.jsonl'), '--out', join(dir, 'out.jsonl'), '--mode', 'exact'])).toBe(0);
    expect(out.join('')).toBe(`kept 3, dropped 1 (1 exact, 0 semantic at threshold ${DEFAULT_CONFIG.dedup.threshold}) of 4 lines\n`);
    expect(
      readFileSync(join(dir, 'out.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['a', 'c', 'd']);
  });

  it('drops paraphrases in semantic mode and names what they duplicate', async () => {
    const dir = input();
    const out = capture();
    expect(
      await dedupCommand.run([
        '--in',
        join(dir, 'in.jsonl'),
        '--out',
        join(dir, 'out.jsonl'),
        '--dropped',
        join(dir, 'dropped.jsonl'),
        '--threshold',
        '0.95',
        '--mode',
        'semantic',
      ]),
    ).toBe(0);
    expect(out.join('')).toBe('kept 2, dropped 2 (1 exact, 1 semantic at threshold 0.95) of 4 lines\n');
    const dropped = readFileSync(join(dir, 'dropped.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; dedup: { nearestId: string } });
    expect(dropped.map((d) => [d.id, d.dedup.nearestId])).toEqual([
      ['b', 'a'],
      ['c', 'a'],
    ]);
  }, 120_000);

  it("honours the config's dedup.mode when --mode is not given (exact by default, semantic when the config says so)", async () => {
    const dir = input();
    const out = capture();
    expect(await dedupCommand.run(['--in', join(dir, 'in.jsonl'), '--out', join(dir, 'out.jsonl')])).toBe(0);
    expect(out.join('')).toBe(`kept 3, dropped 1 (1 exact, 0 semantic at threshold ${DEFAULT_CONFIG.dedup.threshold}) of 4 lines\n`);
    writeFileSync(join(dir, 'semantic.yaml'), 'dedup:\n  mode: semantic\n  threshold: 0.95\n');
    out.length = 0;
    expect(
      await dedupCommand.run(['--in', join(dir, 'in.jsonl'), '--out', join(dir, 'out.jsonl'), '--config', join(dir, 'semantic.yaml')]),
    ).toBe(0);
    expect(out.join('')).toBe('kept 2, dropped 2 (1 exact, 1 semantic at threshold 0.95) of 4 lines\n');
  }, 120_000);

  it('prints the default mode, threshold and model in its help', () => {
    expect(DEFAULT_CONFIG.dedup.mode).toBe('exact');
    const help = dedupCommand.usage.replace(/\s+/g, ' ');
    expect(help).toContain(
      `default: the config's dedup.threshold (built-in default: ${DEFAULT_CONFIG.dedup.threshold}, for the config's dedup.model, built-in default: ${DEFAULT_CONFIG.dedup.model})`,
    );
    expect(help).toContain("default: the config's dedup.mode (built-in default: exact)");
  });

  it('names the file and line of a record without the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-dedup-'));
    writeFileSync(
      join(dir, 'in.jsonl'),
      lines
        .slice(3)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    await expect(dedupCommand.run(['--in', join(dir, 'in.jsonl'), '--out', join(dir, 'out.jsonl'), '--mode', 'exact'])).rejects.toThrow(
      /in\.jsonl:2 has no string at "instruction"/,
    );
  });
});

describe('evolflow similarity', () => {
  it('prints one similarity per pair in file order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-sim-'));
    writeFileSync(join(dir, 'pairs.tsv'), readFileSync(STS, 'utf8').split('\n').slice(0, 3).join('\n'));
    const out = capture();
    expect(await similarityCommand.run(['--pairs', join(dir, 'pairs.tsv'), '--text-a', '6', '--text-b', '7'])).toBe(0);
    const values = out.join('').trim().split('\n').map(Number);
    expect(values).toHaveLength(3);
    values.forEach((v) => expect(v).toBeGreaterThan(0.9));
  }, 120_000);

  it('accepts column names from a header line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-sim-'));
    writeFileSync(join(dir, 'pairs.tsv'), 'left\tright\nA cat sleeps.\tA cat is sleeping.\nA cat sleeps.\tInterest rates rose.\n');
    const out = capture();
    // all-MiniLM-L6-v2 named: the bounds below are on its scale (bge-small-en-v1.5, the default, puts unrelated sentences near 0.4).
    expect(
      await similarityCommand.run([
        '--pairs',
        join(dir, 'pairs.tsv'),
        '--text-a',
        'left',
        '--text-b',
        'right',
        '--model',
        'all-MiniLM-L6-v2',
      ]),
    ).toBe(0);
    const [same, different] = out.join('').trim().split('\n').map(Number);
    expect(same).toBeGreaterThan(0.8);
    expect(different).toBeLessThan(0.3);
  }, 120_000);
});
