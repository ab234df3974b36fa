// Clean evolutions over HTTP with the real strategy prompts: each strategy is recognised, grows its
// parent within bounds, adds new content words, never copies prompt meta words, never collides,
// and complicate-input's data blocks parse in their format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Script } from 'node:vm';
import { parse as parseYaml } from 'yaml';
import ts from 'typescript';
import sqlParser from 'node-sql-parser';
import { taskText, wordCount, type EvolRecord } from '@evolflow/core';
import { recognise, startSimulator, type RunningSimulator } from './index.ts';
import { newContentWords } from './lexicon.ts';
import { chat, childOf, mapLimit, selfInstructSeeds, STRATEGIES, strategyPrompts } from './test-helpers.ts';

const META = /#the given prompt#|#rewritten prompt#|#given prompt#|#created prompt#|given prompt|rewritten prompt/i;
const FORMATS = [
  'json',
  'sql',
  'python',
  'javascript',
  'typescript',
  'java',
  'c',
  'cpp',
  'go',
  'rust',
  'markdown-table',
  'csv',
  'yaml',
  'xml',
];

/** Parse one fenced block as `format`; throws when it does not parse. Compiled languages get a balance check. */
function parseBlock(format: string, text: string): void {
  const cells = (row: string) => row.split(',').length;
  switch (format) {
    case 'json':
      JSON.parse(text);
      return;
    case 'sql':
      for (const db of ['sqlite', 'mysql']) new sqlParser.Parser().astify(text, { database: db });
      return;
    case 'javascript':
      new Script(text);
      return;
    case 'typescript': {
      const out = ts.transpileModule(text, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
      if ((out.diagnostics ?? []).length > 0) throw new Error(String(out.diagnostics?.[0]?.messageText));
      return;
    }
    case 'yaml':
      parseYaml(text);
      return;
    case 'csv': {
      const rows = text.split('\n');
      if (rows.some((r) => cells(r) !== cells(rows[0] as string))) throw new Error('ragged csv');
      return;
    }
    case 'markdown-table': {
      const rows = text.split('\n').map((r) => r.split('|').length);
      if (rows.some((n) => n !== rows[0]) || !/^\| (---? \| )+$|^\|( --- \|)+$/.test(text.split('\n')[1] ?? ''))
        throw new Error('bad table');
      return;
    }
    case 'xml': {
      const open = [...text.matchAll(/<([a-z]+)[^>/]*>/g)].map((m) => m[1]);
      const close = [...text.matchAll(/<\/([a-z]+)>/g)].map((m) => m[1]);
      if (open.join() !== close.reverse().join()) throw new Error('unbalanced xml');
      return;
    }
    default: {
      const depth = { '(': 0, '[': 0, '{': 0 } as Record<string, number>;
      const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
      for (const ch of text.replace(/"(?:[^"\\\n]|\\.)*"/g, '""')) {
        if (ch in depth) depth[ch] = (depth[ch] ?? 0) + 1;
        else if (ch in pairs) depth[pairs[ch] as string] = (depth[pairs[ch] as string] ?? 0) - 1;
      }
      if (Object.values(depth).some((d) => d !== 0) || (text.match(/"/g) ?? []).length % 2 !== 0) throw new Error(`unbalanced ${format}`);
    }
  }
}

const fenced = (text: string) =>
  [...text.matchAll(/```([\w-]*)\n([\s\S]*?)\n```/g)].map((m) => ({ fence: m[1] as string, body: m[2] as string }));
const given = taskText;

describe('clean evolutions', () => {
  let sim: RunningSimulator;
  let prompts: Awaited<ReturnType<typeof strategyPrompts>>;
  const seeds = selfInstructSeeds();
  beforeAll(async () => {
    [sim, prompts] = await Promise.all([startSimulator(), strategyPrompts()]);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('recognises every strategy (and the asked format) from the real plugin prompts', () => {
    const seed = seeds[3] as EvolRecord;
    for (const name of STRATEGIES) {
      const prompt = (prompts[name] as NonNullable<(typeof prompts)[string]>)(seed, 0.5);
      const rec = recognise(prompt.messages[0]?.content ?? '');
      expect(rec).toMatchObject({ role: 'evolver', strategy: name, text: given(seed) });
      if (name === 'complicate-input') expect(rec.format).toBe(prompt.format);
    }
  });

  it(`grow within bounds, add new words and never collide (${175 * 6} evolutions of the self-instruct seeds)`, async () => {
    expect(seeds).toHaveLength(175);
    const jobs = seeds.flatMap((seed, i) => STRATEGIES.map((name, j) => ({ seed, name, random: ((i * 6 + j) % 14) / 14 })));
    const results = await mapLimit(jobs, 16, async ({ seed, name, random }) => {
      const prompt = (prompts[name] as NonNullable<(typeof prompts)[string]>)(seed, random);
      return { name, seed, format: prompt.format, out: await chat(sim.url, prompt.messages) };
    });
    const texts = new Set<string>();
    const formatsSeen = new Set<string>();
    for (const { name, seed, format, out } of results) {
      const parent = given(seed);
      expect(out.status).toBe(200);
      // One seed itself says "the given prompt"; depth strategies keep their parent's words.
      if (!META.test(parent)) expect(out.text, `${name} on ${seed.id}`).not.toMatch(META);
      expect(newContentWords(parent, out.text).length, `${name} on ${seed.id}`).toBeGreaterThanOrEqual(3);
      const added = wordCount(out.text) - wordCount(parent);
      expect(added, `${name} on ${seed.id}`).toBeLessThanOrEqual(60);
      if (name !== 'mutation') expect(added, `${name} on ${seed.id}`).toBeGreaterThanOrEqual(10);
      else expect(wordCount(out.text), `mutation on ${seed.id}`).toBeGreaterThanOrEqual(Math.min(wordCount(parent), 80) * 0.6);
      if (name === 'complicate-input') {
        const blocks = fenced(out.text);
        expect(blocks.length).toBeGreaterThanOrEqual(1);
        const block = blocks[blocks.length - 1] as { fence: string; body: string };
        expect(() => parseBlock(format as string, block.body), `${format} block of ${seed.id}`).not.toThrow();
        formatsSeen.add(format as string);
      }
      texts.add(out.text);
    }
    expect(texts.size).toBe(results.length);
    expect([...formatsSeen].sort()).toEqual(['javascript', 'json', 'markdown-table', 'python', 'sql']);
  });

  it('every asked format yields a valid block', async () => {
    const seed = seeds[10] as EvolRecord;
    for (const format of FORMATS) {
      const prompt = (prompts['complicate-input'] as NonNullable<(typeof prompts)[string]>)(seed);
      const content = (prompt.messages[0]?.content ?? '').replace(/written in \S+ format/, `written in ${format} format`);
      const out = await chat(sim.url, [{ role: 'user', content }]);
      const block = fenced(out.text).at(-1);
      expect(block, format).toBeDefined();
      expect(() => parseBlock(format, block?.body ?? ''), format).not.toThrow();
    }
  });

  it('keep growing over four rounds within bounds, and the equality judge says Not Equal for each step', async () => {
    const chains = seeds.slice(0, 30);
    await mapLimit(chains, 8, async (seed, i) => {
      let current: EvolRecord = seed;
      for (let round = 1; round <= 4; round++) {
        const name = STRATEGIES[(i + round) % STRATEGIES.length] as string;
        const out = await chat(sim.url, (prompts[name] as NonNullable<(typeof prompts)[string]>)(current, (i % 5) / 5).messages);
        const before = given(current);
        if (!META.test(before)) expect(out.text).not.toMatch(META);
        expect(newContentWords(before, out.text).length).toBeGreaterThanOrEqual(3);
        expect(wordCount(out.text) - wordCount(before)).toBeLessThanOrEqual(60);
        const judge = await chat(sim.url, [
          {
            role: 'user',
            content: `Equal or not?\nThe First Prompt: ${before}\nThe Second Prompt: ${out.text}\nYour judgement (Equal or Not Equal):`,
          },
        ]);
        expect(judge.text).toBe('Not Equal');
        current = childOf(current, out.text);
      }
    });
  });

  it('is deterministic across simulators with the same seed', async () => {
    const other = await startSimulator({ seed: 7 });
    const prompt = (prompts['deepening'] as NonNullable<(typeof prompts)[string]>)(seeds[5] as EvolRecord);
    const [a, b] = await Promise.all([chat(sim.url, prompt.messages), chat(other.url, prompt.messages)]);
    await other.close();
    expect(b.text).toBe(a.text);
    expect(b.id).toBe(a.id);
  });
});
