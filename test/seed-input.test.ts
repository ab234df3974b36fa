// Bad seed input never stops a run: every bad line is rejected with its file, line and reason,
// and the rest is evolved.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvolRecord } from '@evolflow/core';
import { readJsonl, runPipeline, simConfig, tempDir } from './helpers/run.ts';

describe('the seed stage inside a run', () => {
  it('rejects malformed lines, empty instructions, non-UTF-8 bytes and a 1 MB instruction by line, and evolves the rest', async () => {
    const dir = tempDir('seed-input');
    const file = join(dir, 'dirty-seeds.jsonl');
    const good = (i: number) =>
      Buffer.from(
        JSON.stringify({ instruction: `Describe a healthy breakfast number ${i} for a student.`, output: 'Oats, fruit and yogurt.' }),
      );
    const lines = [
      good(1),
      Buffer.from('{this is not json'),
      Buffer.from(JSON.stringify({ instruction: '' })),
      Buffer.concat([Buffer.from('{"instruction": "r'), Buffer.from([0xc3, 0x28]), Buffer.from('sum\u00e9"}')]),
      Buffer.from(JSON.stringify({ instruction: `Summarize: ${'word '.repeat(210_000)}` })),
      good(2),
      Buffer.from(JSON.stringify({ unexpected: 'shape' })),
      good(3),
    ];
    writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const out = join(dir, 'out');
    const run = await runPipeline(
      simConfig({ run: { rounds: 1, outDir: out }, llm: { cache: { enabled: false, dir: join(dir, 'cache') } } }),
      [file],
    );
    const rejected = readJsonl(join(out, 'rejected.jsonl')).filter((r: EvolRecord) => r.rejection?.stage === 'seed');
    expect(rejected.map((r) => [r.source?.line, r.rejection?.reason]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [2, 'malformed-line'],
      [3, 'empty-instruction'],
      [4, 'not-utf8'],
      [5, 'too-large'],
      [7, 'malformed-line'],
    ]);
    for (const r of rejected) expect(r.rejection?.detail).toMatch(new RegExp(`^dirty-seeds\\.jsonl:${r.source?.line}: `));
    expect(run.summary.totals.seeds).toBe(3);
    expect(run.summary.totals.seedRejects).toBe(5);
    expect(run.summary.stages.seed).toMatchObject({ in: 8, out: 3, rejected: 5 });
    expect(run.summary.totals.evolutions).toBe(3);
    const lineage = readJsonl<{ state: string; stage?: string }>(join(out, 'lineage.jsonl'));
    expect(lineage.filter((l) => l.state === 'rejected' && l.stage === 'seed')).toHaveLength(5);
  }, 120_000);
});
