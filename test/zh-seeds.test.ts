// A Chinese seed set end to end: Intl.Segmenter word counts keep the word rules (too-short, word
// budget, stop words, unchanged) and the language rules (meta, refusal, not-a-task, lost-input)
// from rejecting correct Chinese evolutions and answers. Seeds: packages/core/fixtures/zh-seeds.jsonl.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, taskText, words } from '@evolflow/core';
import { responseRules } from '@evolflow/stage-eliminate';
import { cheapRules, lostInput } from '@evolflow/stage-validate';
import { readJsonl, ROOT, runPipeline, simConfig, tempDir } from './helpers/run.ts';

const ZH_SEEDS = join(ROOT, 'packages/core/fixtures/zh-seeds.jsonl');
const seeds = readJsonl<{ instruction: string; input?: string }>(ZH_SEEDS);

// One in-depth evolution (our own wording, 10-20 words added) and one short correct answer per seed, in seed order.
const EVOLVED = [
  '写一首关于秋天的七言绝句，要求提到枫叶和霜，并在最后一句表达对故乡的思念。',
  '请用不超过一百字解释什么是光合作用，并说明它为什么对地球上的生命如此重要。',
  '列出三种常见的水果，并为每一种写出它的主要营养成分和最适合的食用季节。',
  '北京是哪个国家的首都？请同时说出这座城市的两处著名古迹以及它们的建造年代。',
  '如何在每天只有两小时空闲的情况下提高学习效率？请给出三条具体可行的建议。',
  '给我讲一个关于友谊的小故事，故事里要有一次误会，最后两个朋友和好如初。',
  '将下面的句子翻译成英文，并说明你选择的时态和原因。\n\n我喜欢在周末爬山。',
  '计算下列数字的平均值和中位数，并写出计算步骤：12，15，20，33',
  '为一家开在大学旁边、主打手冲咖啡的小咖啡店起三个名字，并解释每个名字的含义。',
  '描述一下你理想中的假期，包括目的地、同行的人和每天的安排，字数在两百字左右。',
  '从花费、陪伴时间和居住空间三个方面比较猫和狗作为宠物的优缺点。',
  '用一句话总结下面这段话的主要意思，并指出作者对互联网的态度。\n\n互联网改变了人们获取信息的方式，人们可以随时随地阅读新闻、学习知识和与朋友交流。',
];
const ANSWERS = [
  '枫叶经霜红似火，秋风送我过江南。',
  '光合作用是植物利用阳光把二氧化碳和水变成葡萄糖和氧气的过程。',
  '苹果、香蕉和橙子。',
  '中国，首都北京。',
  '制定计划，减少干扰，及时复习。',
  '小明和小红因为误会吵架，后来互相道歉，又成了好朋友。',
  'I like hiking on weekends.',
  '平均值是20。',
  '豆香、书角、慢时光。',
  '我想去海边住一周，每天看日出。',
  '猫更独立，狗更需要陪伴。',
  '互联网让获取信息更方便。',
];

describe('a Chinese seed set through the rules', () => {
  it('counts Chinese by word: the old letter-run count made most short answers "too short"', () => {
    const oldCount = (t: string) => (t.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? []).length;
    expect(ANSWERS.filter((a) => oldCount(a) < DEFAULT_CONFIG.eliminate.minResponseWords).length).toBeGreaterThanOrEqual(8);
    expect(ANSWERS.filter((a) => words(a).length < DEFAULT_CONFIG.eliminate.minResponseWords)).toEqual([]);
  });

  it('rejects none of the Chinese evolutions and answers', () => {
    expect(seeds).toHaveLength(EVOLVED.length);
    const rejected: string[] = [];
    seeds.forEach((seed, i) => {
      const child = { instruction: EVOLVED[i] as string };
      const v =
        cheapRules(child.instruction, taskText(seed), DEFAULT_CONFIG.validate) ??
        lostInput(child, seed, 'depth') ??
        responseRules(ANSWERS[i] as string, DEFAULT_CONFIG.eliminate);
      if (v) rejected.push(`${v.reason}: ${child.instruction} (${v.detail})`);
    });
    expect(rejected).toEqual([]);
  });

  it('holds the word budget and the unchanged rule for Chinese, which the old letter-run count could not', () => {
    const seed = seeds[0] as { instruction: string };
    const padded = `${seed.instruction}要求：${'诗中要写到落叶、秋风、大雁和远方的故乡，'.repeat(12)}并且押韵。`;
    const oldCount = (t: string) => (t.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? []).length;
    expect(oldCount(padded) - oldCount(seed.instruction)).toBeLessThan(DEFAULT_CONFIG.validate.maxAddedWords);
    expect(cheapRules(padded, seed.instruction, DEFAULT_CONFIG.validate)?.reason).toBe('word-budget');
    expect(cheapRules('写一首关于秋天的诗！', seed.instruction, DEFAULT_CONFIG.validate)?.reason).toBe('unchanged');
  });

  it('still rejects what is wrong in Chinese: an answer for a rewrite, a refusal, a dropped input, a copied header', () => {
    const seed = seeds[11] as { instruction: string; input: string };
    const rule = (text: string) =>
      cheapRules(text, taskText(seed), DEFAULT_CONFIG.validate)?.reason ?? lostInput({ instruction: text }, seed, 'depth')?.reason;
    expect(rule('互联网让人们可以随时随地获取信息。')).toBe('not-a-task');
    expect(rule('很抱歉，我无法改写这个提示。')).toBe('refusal');
    expect(rule('用一句话总结这段话的主要意思，并指出作者的态度。')).toBe('lost-input');
    expect(rule(`#改写后的提示#：用一句话总结下面这段话。#给定提示#\n\n${seed.input}`)).toBe('meta-copy');
  });
});

describe('a Chinese seed set through the whole pipeline (simulator, faults off)', () => {
  it('keeps every evolution of 12 Chinese seeds over 2 rounds: no too-short or other false reject', async () => {
    const run = await runPipeline(
      simConfig({ run: { rounds: 2, outDir: tempDir('zh-seeds'), seed: 1 }, simulator: { seed: 1, faultRate: 0 } }),
      [ZH_SEEDS],
    );
    const rejected = readJsonl(join(run.outDir, 'rejected.jsonl'));
    const kept = readJsonl(join(run.outDir, 'kept.jsonl'));
    expect(rejected.map((r) => `${r.id}: ${r.rejection?.stage}/${r.rejection?.reason}`)).toEqual([]);
    expect(kept).toHaveLength(12 * 2);
  }, 120_000);
});
