import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddingDecontaminator, createNgramDecontaminator, loadEvalSets, type EmbeddingDeduper } from './decontaminate.ts';
import { evolvedFrom, selfInstructSeeds, VICUNA } from './test-records.ts';

const items = loadEvalSets([VICUNA]);
const question = (n: number) => (items[n - 1] as { text: string }).text;

// Planted contamination, by vicuna question number: copies, copies inside an evolved-looking
// instruction, and rewordings that keep the question's content (what an evolver does to it).
const COPIES: [number, string][] = [1, 5, 13, 20, 28, 33, 41, 44, 52, 57, 62, 65, 69, 74, 78].map((n) => [n, question(n)]);
const VARIANTS: [number, string][] = [
  [2, question(2).toUpperCase()],
  [9, question(9).replace('?', '').toLowerCase()],
  [16, `  ${question(16)}\n`],
  [63, question(63).replace(/\./g, '!')],
  [80, question(80).replace(/ /g, '  ')],
];
const WRAPPED: [number, string][] = [
  [3, `${question(3)} Answer in no more than 150 words and give one code example in each language.`],
  [12, `You are advising a city council. ${question(12)} Present your answer as a markdown table.`],
  [24, `${question(24)} The child is six years old, so keep every sentence short.`],
  [37, `Consider the psychology literature. ${question(37)} Cite at least two studies.`],
  [45, `${question(45)} Also state the main sources of uncertainty in your estimate.`],
  [55, `Think about the music industry of the 1960s. ${question(55)}`],
  [64, `${question(64)} Use Python and explain the time complexity.`],
  [71, `${question(71)} The partner is a logistics company in Rotterdam.`],
  [76, `${question(76)} The video should last about ten minutes.`],
  [30, `Write in the first person. ${question(30)} Keep it under 300 words.`],
];
const PARAPHRASES: [number, string][] = [
  [1, 'In what ways could I improve my skills in time management?'],
  [4, 'While working from home, how could I increase my productivity?'],
  [6, 'Explain the differences between animal-based protein sources and plant-based ones.'],
  [7, 'What steps help someone develop critical thinking skills?'],
  [10, 'Which strategies are most effective for resolving conflict in the workplace?'],
  [14, 'In multicultural societies, how do cultural and language barriers affect how people communicate and form relationships?'],
  [17, 'Explain how vaccinations protect individuals and communities from infectious diseases, and describe herd immunity.'],
  [19, 'How do economic, social and cultural factors influence the food choices people make, and how could that knowledge promote healthier diets?'],
  [22, 'You are a pirate captain: what do you say to motivate your crew to search for the hidden treasure?'],
  [26, 'Describe, as a sports commentator, the winning play in the final seconds of the championship game.'],
  [31, 'How could you tell whether a restaurant is popular with locals or mostly attracts tourists, and why is that useful to know?'],
  [35, 'Even when prices are higher, why would someone prefer shopping at a small locally-owned business rather than a large chain store?'],
  [42, 'Estimate how many atoms are in one grain of salt, taking the reader through your reasoning step-by-step.'],
  [51, 'Imagine the Internet had been invented in the Renaissance period. What would have happened?'],
  [53, 'Suppose the Black Death never occurred in the 14th century: what would be different?'],
  [61, 'Write a C++ program that reads a text file line by line and counts how many times a specific word occurs in it.'],
  [66, 'Using two stacks, implement a queue data structure in Python.'],
  [70, 'A line segment has endpoints (2, -2) and (10, 4). What is the length of this segment?'],
  [72, 'Help me write a letter of resignation to my current employer that leaves on good terms and expresses gratitude for the opportunities I was provided.'],
  [77, 'Compose a travel blog post about my recent trip to Hawaii that highlights the cultural experiences and the must-see attractions.'],
];
// Same topics as some questions, but different requests: these must stay.
const NEAR_MISSES = [
  'Create a weekly study timetable for a university student with three exams next month.',
  'Summarise the history of the Python programming language in five bullet points.',
  'Write a haiku about stress at the end of a long working week.',
  'List ten foods that are high in protein and low in fat, with their protein content per 100 grams.',
  'Translate the sentence "The knight bowed to the queen" into French and German.',
  'Write a SQL query that returns the ten most recent orders from an orders table.',
  'Explain what a Fibonacci heap is and where it is used in graph algorithms.',
  'Describe the water cycle to a ten-year-old in three short paragraphs.',
  'Draft a birthday invitation email for a colleague who is retiring after 30 years.',
  'Compare the rules of rugby union and American football in a table.',
];

describe('n-gram decontamination', () => {
  const planted = [...COPIES, ...VARIANTS, ...WRAPPED, ...PARAPHRASES];
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
    expect(await d.check('r1', question(2))).toEqual({ contaminated: true, itemId: `${VICUNA}:2`, score: 1 });
    expect(await d.check('r2', 'something else')).toEqual({ contaminated: false, score: 0 });
    // A repeat of an earlier training record is not contamination.
    expect((await d.check('r3', 'something else')).contaminated).toBe(false);
  });
});
