import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddingDecontaminator, createNgramDecontaminator, loadEvalSets, type EmbeddingDeduper } from './decontaminate.ts';
import { evolvedFrom, plantedContamination, selfInstructSeeds, VICUNA } from './test-records.ts';

const items = loadEvalSets([VICUNA]);
const { planted: PLANTED, nearMisses: NEAR_MISSES } = plantedContamination(items);

describe('n-gram decontamination', () => {
  const planted = PLANTED;
  const seeds = selfInstructSeeds();
  const clean = [...NEAR_MISSES, ...seeds.map((s) => `${s.instruction}\n${s.input ?? ''}`), ...evolvedFrom(seeds, 5).map((r) => `${r.instruction}\n${r.input ?? ''}`)]
    .slice(0, 1000 - planted.length);

  it('drops the planted copies and rewordings of evaluation items, and nothing else, in 1,000 records', async () => {
    expect(items.length).toBe(80);
    expect(planted.length).toBe(50);
    expect(clean.length).toBe(950);
    expect(clean.slice(0, NEAR_MISSES.length)).toEqual(NEAR_MISSES);
    const d = createNgramDecontaminator({ items, threshold: 0.4, ngram: 2 });
    const dropped: string[] = [];
    for (const [i, text] of clean.entries()) if ((await d.check(`clean-${i}`, text)).contaminated) dropped.push(text);
    expect(dropped).toEqual([]);
    for (const [n, text] of planted) {
      const v = await d.check('planted', text);
      expect(v, text).toMatchObject({ contaminated: true, itemId: `${VICUNA}:${n}` });
    }
  });

  it('reads plain-text and JSONL evaluation sets in the common shapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mix-eval-'));
    writeFileSync(join(dir, 'a.txt'), 'first question\n\nsecond question\n');
    writeFileSync(join(dir, 'b.jsonl'), ['{"question":"q1"}', '{"prompt":"p1"}', '{"messages":[{"role":"user","content":"m1"}]}', '{"turns":["t1","t2"]}', ''].join('\n'));
    expect(loadEvalSets([join(dir, 'a.txt'), join(dir, 'b.jsonl')]).map((i) => [i.id.slice(dir.length + 1), i.text])).toEqual([
      ['a.txt:1', 'first question'], ['a.txt:3', 'second question'], ['b.jsonl:1', 'q1'], ['b.jsonl:2', 'p1'], ['b.jsonl:3', 'm1'], ['b.jsonl:4', 't1'],
    ]);
    expect(() => loadEvalSets([join(dir, 'missing.jsonl')])).toThrow(/mix.decontaminate.sets: cannot read evaluation set .*missing.jsonl/);
  });
});

describe('embedding decontamination', () => {
  it('flags a record whose nearest kept neighbour is an evaluation item, through the dedup contract', async () => {
    // A stand-in deduper keyed on exact text, to check the wiring (the model lives in @evolflow/dedup).
    const kept = new Map<string, string>();
    const deduper: EmbeddingDeduper = {
      async register(id, text) {
        kept.set(id, text);
      },
      async decide(id, text) {
        const hit = [...kept].find(([, t]) => t === text);
        if (!hit) kept.set(id, text);
        return hit ? { duplicate: true, nearestId: hit[0], similarity: 1 } : { duplicate: false, nearestId: null, similarity: 0 };
      },
      async close() {},
    };
    const d = await createEmbeddingDecontaminator({ items: items.slice(0, 3), deduper, threshold: 0.9 });
    expect(await d.check('r1', (items[1] as { text: string }).text)).toEqual({ contaminated: true, itemId: `${VICUNA}:2`, score: 1 });
    expect(await d.check('r2', 'something else')).toEqual({ contaminated: false, score: 0 });
    // A repeat of an earlier training record is not contamination.
    expect((await d.check('r3', 'something else')).contaminated).toBe(false);
  });
});
