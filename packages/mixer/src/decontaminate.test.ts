import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createDecontaminationSuite,
  createEmbeddingDecontaminator,
  createNgramDecontaminator,
  evalSetSizes,
  loadEvalSets,
  type TextEmbedder,
} from './decontaminate.ts';
import { evolvedFrom, plantedContamination, selfInstructSeeds, VICUNA } from './test-records.ts';

const items = loadEvalSets([VICUNA]);
const { planted: PLANTED, nearMisses: NEAR_MISSES } = plantedContamination(items);

describe('n-gram decontamination', () => {
  const planted = PLANTED;
  const seeds = selfInstructSeeds();
  const clean = [
    ...NEAR_MISSES,
    ...seeds.map((s) => `${s.instruction}\n${s.input ?? ''}`),
    ...evolvedFrom(seeds, 5).map((r) => `${r.instruction}\n${r.input ?? ''}`),
  ].slice(0, 1000 - planted.length);

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
      expect(v, text).toMatchObject({ contaminated: true, itemId: `vicuna-80.jsonl:${n}` });
    }
  });

  it('reads plain-text and JSONL evaluation sets in the common shapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mix-eval-'));
    writeFileSync(join(dir, 'a.txt'), 'first question\n\nsecond question\n');
    writeFileSync(
      join(dir, 'b.jsonl'),
      ['{"question":"q1"}', '{"prompt":"p1"}', '{"messages":[{"role":"user","content":"m1"}]}', '{"turns":["t1","t2"]}', ''].join('\n'),
    );
    expect(loadEvalSets([join(dir, 'a.txt'), join(dir, 'b.jsonl')]).map((i) => [i.id, i.text])).toEqual([
      ['a.txt:1', 'first question'],
      ['a.txt:3', 'second question'],
      ['b.jsonl:1', 'q1'],
      ['b.jsonl:2', 'p1'],
      ['b.jsonl:3', 'm1'],
      ['b.jsonl:4', 't1'],
    ]);
    expect(() => loadEvalSets([join(dir, 'missing.jsonl')])).toThrow(/mix.decontaminate.sets: cannot read evaluation set .*missing.jsonl/);
  });
});

describe('n-gram decontamination in Chinese', () => {
  // Written before the Chinese function words were added: three evaluation items (our own
  // translations of vicuna questions 1, 5 and 72), copies wrapped in requests, content-keeping
  // rewordings, and near misses that share the request frame but not the topic.
  const zh = [
    { id: 'zh.txt:1', text: '如何提高我的时间管理能力？' },
    { id: 'zh.txt:2', text: '解释一下量子计算的基本原理。' },
    { id: 'zh.txt:3', text: '写一封辞职信，感谢雇主提供的机会。' },
  ];
  const d = createNgramDecontaminator({ items: zh, threshold: 0.4, ngram: 2 });
  it('drops copies and content-keeping rewordings, and keeps requests on other topics', async () => {
    const contaminated = [
      ['请告诉我如何提高我的时间管理能力，并给出三个具体建议。', 'zh.txt:1'],
      ['如何提高时间管理能力', 'zh.txt:1'],
      ['请用简单的语言解释量子计算的基本原理，适合中学生。', 'zh.txt:2'],
      ['帮我写一封辞职信，语气要礼貌，并感谢公司给我的机会。', 'zh.txt:3'],
    ];
    for (const [text, itemId] of contaminated)
      expect(await d.check('x', text as string), text).toMatchObject({ contaminated: true, itemId });
    for (const text of ['写一首关于秋天的诗。', '如何提高我的英语口语水平？', '解释一下区块链的工作原理。', '帮我写一封求职信。']) {
      expect((await d.check('x', text)).contaminated, text).toBe(false);
    }
    // A paraphrase keeping the two content words in another order still meets the item's phrase;
    // one with other words is beyond the n-gram test (the embedding test's job, with a model that reads Chinese).
    expect(await d.check('x', '怎样才能更好地管理自己的时间？')).toMatchObject({ contaminated: true, itemId: 'zh.txt:1' });
    expect((await d.check('x', '有什么办法让我每天的日程安排得更高效？')).contaminated).toBe(false);
  });
});

describe('embedding decontamination', () => {
  // A stand-in embedder (hashed bag of words, unit length) to check the wiring; the model lives in @evolflow/dedup.
  const bagOfWords = (): TextEmbedder & { calls: number } => {
    const e = {
      calls: 0,
      async embed(texts: string[]) {
        e.calls += texts.length;
        return texts.map((t) => {
          const v = new Float32Array(64);
          for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
            const k = [...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 64, 7);
            v[k] = (v[k] as number) + 1;
          }
          const norm = Math.hypot(...v) || 1;
          return v.map((x) => x / norm);
        });
      },
      async close() {},
    };
    return e;
  };

  it('flags a record whose nearest evaluation item is at or above its own threshold, and never compares records with each other', async () => {
    const embedder = bagOfWords();
    const d = await createEmbeddingDecontaminator({ items: items.slice(0, 3), embedder, threshold: 0.9, model: 'bag-of-words' });
    expect(d.test).toBe('embedding');
    expect(d.method).toBe('embedding cosine >= 0.9 (bag-of-words)');
    expect(await d.check('r1', (items[1] as { text: string }).text)).toEqual({ contaminated: true, itemId: 'vicuna-80.jsonl:2', score: 1 });
    const other = await d.check('r2', 'something else entirely');
    expect(other.contaminated).toBe(false);
    // A repeat of an earlier training record is not contamination: records are never added to the reference set.
    expect((await d.check('r3', 'something else entirely')).contaminated).toBe(false);
    expect(embedder.calls).toBe(3 + 3);
  });
});

describe('decontamination suite', () => {
  it('runs the n-gram and embedding tests together, each at its own threshold, and names the item matched by file name and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mix-suite-'));
    writeFileSync(
      join(dir, 'bench.jsonl'),
      ['{"question":"How can I improve my time management skills?"}', '{"question":"Explain the process of natural selection."}'].join(
        '\n',
      ),
    );
    const evalItems = loadEvalSets([join(dir, 'bench.jsonl')]);
    expect(evalItems.map((i) => [i.id, i.set, i.line])).toEqual([
      ['bench.jsonl:1', 'bench.jsonl', 1],
      ['bench.jsonl:2', 'bench.jsonl', 2],
    ]);
    const ngram = createNgramDecontaminator({ items: evalItems, threshold: 0.4, ngram: 2 });
    const embedding = await createEmbeddingDecontaminator({
      items: evalItems,
      embedder: (() => {
        // Paraphrase-aware stand-in: maps two wordings of the same question to one vector.
        const topic = (t: string) => (/time|schedul/i.test(t) ? 0 : /selection|evolution/i.test(t) ? 1 : 2);
        return {
          async embed(texts: string[]) {
            return texts.map((t) => Float32Array.from([0, 1, 2], (k) => (k === topic(t) ? 1 : 0)));
          },
          async close() {},
        };
      })(),
      threshold: 0.8,
    });
    const suite = createDecontaminationSuite(evalItems, [ngram, embedding]);
    expect(suite.sets).toEqual([{ set: 'bench.jsonl', items: 2 }]);
    const copy = await suite.check('a', 'How can I improve my time management skills? Answer in a table.');
    expect(copy.contaminated).toBe(true);
    expect(copy.matches.map((m) => [m.test, m.set, m.line, m.text, m.threshold])).toEqual([
      ['ngram', 'bench.jsonl', 1, 'How can I improve my time management skills?', 0.4],
      ['embedding', 'bench.jsonl', 1, 'How can I improve my time management skills?', 0.8],
    ]);
    // A paraphrase that shares no content word is caught by the embedding test alone.
    const paraphrase = await suite.check('b', 'What habits help a person organise a busy schedule?');
    expect(paraphrase.matches.map((m) => m.test)).toEqual(['embedding']);
    expect(paraphrase.scores.ngram).toBeLessThan(0.4);
    expect(await suite.check('c', 'Write a haiku about autumn leaves.')).toEqual({
      contaminated: false,
      matches: [],
      scores: { ngram: 0, embedding: 0 },
    });
  });

  it('names clashing set files by their folder as well, and counts items per set', () => {
    const root = mkdtempSync(join(tmpdir(), 'mix-sets-'));
    for (const sub of ['a', 'b']) {
      mkdirSync(join(root, sub));
      writeFileSync(join(root, sub, 'q.txt'), 'first\nsecond\n');
    }
    const loaded = loadEvalSets([join(root, 'a', 'q.txt'), join(root, 'b', 'q.txt')]);
    expect(evalSetSizes(loaded)).toEqual([
      { set: 'a/q.txt', items: 2 },
      { set: 'b/q.txt', items: 2 },
    ]);
  });
});
