import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { cheapRules, lostInput } from './rules.ts';

const cfg = DEFAULT_CONFIG.validate;
const parent = 'Write a short poem about autumn leaves.';

describe('cheapRules', () => {
  it('rejects prompt meta words with the matched text', () => {
    expect(cheapRules('#Rewritten Prompt#: Write a sonnet about autumn leaves in iambic pentameter.', parent, cfg)?.reason).toBe(
      'meta-copy',
    );
    expect(cheapRules('Rewrite the given prompt so that it mentions maple trees and frost.', parent, cfg)?.detail).toMatch(/given prompt/);
  });

  it('rejects an unchanged rewrite, ignoring case and punctuation', () => {
    expect(cheapRules('write a SHORT poem, about autumn leaves', parent, cfg)?.reason).toBe('unchanged');
  });

  it('enforces the word budget and the length cap', () => {
    const long = `${parent} ${'and more words '.repeat(50)}`;
    expect(cheapRules(long, parent, { ...cfg, maxAddedWords: 100 })?.reason).toBe('word-budget');
    expect(cheapRules(long, parent, { ...cfg, maxAddedWords: 1000, maxWords: 50 })?.reason).toBe('too-long');
  });

  it('counts the word budget on prose, not on fenced data blocks', () => {
    const data = `${parent} Use this data:\n\`\`\`json\n${JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, name: `leaf ${i}` })))}\n\`\`\``;
    expect(cheapRules(data, parent, { ...cfg, maxAddedWords: 20 })).toBeUndefined();
    expect(cheapRules(data, parent, { ...cfg, maxAddedWords: 20, maxWords: 100 })?.reason).toBe('too-long');
  });

  it('passes a real evolution', () => {
    expect(
      cheapRules('Write a short poem about autumn leaves that uses an ABAB rhyme scheme and mentions frost.', parent, cfg),
    ).toBeUndefined();
  });

  it('treats near-identical rewrites as unchanged when a similarity threshold is set', () => {
    expect(cheapRules('Write a short poem about autumn leaves, please.', parent, { ...cfg, unchangedSimilarity: 0.8 })?.reason).toBe(
      'unchanged',
    );
    expect(cheapRules('Write a short poem about autumn leaves, please.', parent, cfg)).toBeUndefined();
  });
});

describe('cheapRules: refusals, meta anywhere, not-a-task', () => {
  it('rejects an evolver that refuses to rewrite, before anything else', () => {
    expect(cheapRules("I'm sorry, but I cannot rewrite this prompt without changing its meaning.", parent, cfg)?.reason).toBe('refusal');
    expect(cheapRules('很抱歉，我无法改写这个提示。', '写一首关于秋天的诗。', cfg)?.reason).toBe('refusal');
    // A user's problem in a task is not a refusal.
    expect(
      cheapRules(
        "I can't access my photos after the phone update. What should I try first, and how do I back them up?",
        'My phone is slow. What can I do?',
        cfg,
      ),
    ).toBeUndefined();
  });

  it('rejects any #...Prompt# header and meta left inside or after the rewrite, in English and Chinese', () => {
    for (const text of [
      'Write a poem about autumn leaves and frost.\n\n#Finally Rewritten Prompt#',
      'Write a poem about autumn leaves and frost. This version adds a constraint about frost.',
      'Write a poem about autumn leaves and frost.\n\nNote: I added the frost requirement to increase difficulty.',
      '写一首关于秋天落叶和霜的诗。\n\n注：我添加了关于霜的要求。',
      '#改写后的提示#：写一首关于秋天落叶和霜的诗。#给定提示#',
    ])
      expect(cheapRules(text, parent, cfg)?.reason, text).toBe('meta-copy');
  });

  it('lets a meta phrase through when the parent holds it too (a seed that says "the given prompt")', () => {
    const seed = 'Identify the bias or stereotype in the given prompt.';
    expect(cheapRules('Identify the bias or stereotype in the given prompt, and explain who it could harm.', seed, cfg)).toBeUndefined();
  });

  it('rejects an answer or a statement instead of an instruction', () => {
    expect(cheapRules('Autumn leaves drift down in shades of red and gold, covering the quiet streets.', parent, cfg)?.reason).toBe(
      'not-a-task',
    );
    expect(cheapRules('北京是中国的首都，有着三千多年的建城历史。', '北京是哪个国家的首都？', cfg)?.reason).toBe('not-a-task');
    // Requests and questions without an imperative are tasks.
    expect(
      cheapRules(
        'I am planning a two-week trip to Japan in April with two children, any tips?',
        'I am planning a trip to Japan, any tips?',
        cfg,
      ),
    ).toBeUndefined();
    expect(cheapRules('请写一首关于秋天落叶的诗，并提到霜和枫叶。', '写一首关于秋天的诗。', cfg)).toBeUndefined();
    // Tips or steps listed under a statement are an answer; listed under a command they are the task's.
    expect(
      cheapRules(
        'Here are 3 tips for staying healthy:\n\n• Eat whole, nutrient-dense foods\n• Stay hydrated\n• Get enough sleep',
        'Give three tips for staying healthy.',
        cfg,
      )?.reason,
    ).toBe('not-a-task');
    expect(
      cheapRules('Follow these steps for the poem:\n1. Pick a season\n2. Write four lines about it\n3. End with a question', parent, cfg),
    ).toBeUndefined();
    // A parent that is not a task itself (a plain-text seed) does not make its child one.
    expect(cheapRules('I like cats, especially the black ones with green eyes.', 'I like cats.', cfg)).toBeUndefined();
  });
});

describe('lostInput', () => {
  const withInput = {
    instruction: 'Summarize the following paragraph.',
    input: 'The city council voted on Monday to extend the tram line to the airport by 2027.',
  };

  it("rejects an in-depth evolution that dropped its parent's input", () => {
    const v = lostInput({ instruction: 'Summarize the following paragraph in exactly two sentences for a child.' }, withInput, 'depth');
    expect(v?.reason).toBe('lost-input');
    expect(v?.detail).toMatch(/input/);
  });

  it('accepts the data moved into the instruction, kept as input, or edited (concretizing, complicate-input)', () => {
    expect(
      lostInput({ instruction: `Summarize the following paragraph in two sentences.\n\n${withInput.input}` }, withInput, 'depth'),
    ).toBeUndefined();
    expect(
      lostInput({ instruction: 'Summarize the paragraph in two sentences.', input: withInput.input }, withInput, 'depth'),
    ).toBeUndefined();
    const edited =
      'Summarize this news item for commuters: "On Monday the city council voted to extend the tram line to the airport by 2027, at a cost of 300 million."';
    expect(lostInput({ instruction: edited }, withInput, 'depth')).toBeUndefined();
  });

  it('checks fenced data blocks too, and leaves breadth mutation alone', () => {
    const fenced = { instruction: 'Find the bug in this code:\n```python\ndef mean(xs):\n    return sum(xs) / len(xs) + 1\n```' };
    expect(lostInput({ instruction: 'Find the bug in this code and explain how to test for it.' }, fenced, 'depth')?.reason).toBe(
      'lost-input',
    );
    expect(lostInput({ instruction: `${fenced.instruction}\nAlso say which inputs make it fail.` }, fenced, 'depth')).toBeUndefined();
    expect(lostInput({ instruction: 'Write a haiku about debugging late at night.' }, fenced, 'breadth')).toBeUndefined();
    expect(lostInput({ instruction: 'Write a haiku about debugging.' }, { instruction: 'Write a haiku.' }, 'depth')).toBeUndefined();
  });

  it('works on Chinese data', () => {
    const zh = {
      instruction: '总结下面这段话的主要意思。',
      input: '互联网改变了人们获取信息的方式，人们可以随时随地阅读新闻、学习知识和与朋友交流。',
    };
    expect(lostInput({ instruction: '用一句话总结下面这段话的主要意思，并指出作者的态度。' }, zh, 'depth')?.reason).toBe('lost-input');
    expect(lostInput({ instruction: `用一句话总结下面这段话的主要意思，并指出作者的态度。\n\n${zh.input}` }, zh, 'depth')).toBeUndefined();
  });
});
