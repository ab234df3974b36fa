import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { responseRules } from './rules.ts';

const cfg = DEFAULT_CONFIG.eliminate;

describe('responseRules', () => {
  it("applies the paper's rules with a reason code each", () => {
    expect(responseRules("Sorry, I can't help with that request.", cfg)?.reason).toBe('sorry');
    expect(responseRules('The, and of it; is.', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('...!?', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('Paris.', cfg)?.reason).toBe('too-short');
  });

  it('keeps a long answer that apologises in passing', () => {
    const long = `Sorry for the long answer. ${'Here is a detailed explanation of the topic with examples. '.repeat(12)}`;
    expect(responseRules(long, cfg)).toBeUndefined();
  });
});

describe('responseRules: refusals and Chinese', () => {
  it('rejects refusals that never say "sorry" with their own reason code, in English and Chinese', () => {
    for (const text of [
      "I can't help with that. Writing malware could hurt people, and it is against my guidelines to assist with it in any form.",
      'As an AI language model, I do not have personal opinions about political parties, but I can describe their platforms if you like.',
      'I must decline to write this story because it would promote violence against a real group of people.',
      '很抱歉，我不能提供这方面的信息。',
      '作为一个AI语言模型，我无法预测股票的未来走势。',
      '我无法回答这个问题。',
    ])
      expect(responseRules(text, cfg)?.reason, text).toBe('refusal');
  });

  it('keeps the paper\'s "sorry" rule for short responses that say sorry', () => {
    expect(responseRules("I'm sorry, but I can't assist with that.", cfg)?.reason).toBe('sorry');
  });

  it('keeps answers that apologise or talk about refusing, and short correct Chinese answers', () => {
    for (const text of [
      'A language model might refuse a question when answering could cause harm, for example giving instructions for making weapons.',
      '北京是中国的首都。',
      '全程用了4小时25分钟。',
      '亲爱的王女士，很抱歉您的订单晚到了两周。我们已经退还了运费。',
      '很抱歉，我不能参加你的婚礼，祝你们新婚快乐！',
      // Real SmolLM2-135M answers (packages/local-llm/fixtures/smollm2-corpus.jsonl): rambling, but no refusal.
      "I'm afraid I'm afraid of the blank to some extent. I'm trying to give you a 10-word answer to a 10-word prompt that's either too long or too short.",
      "I'm afraid I'm rather a foodie, but I can certainly share a story that might interest you. I used to be a professional chef.",
    ])
      expect(responseRules(text, cfg), text).toBeUndefined();
    // A short apology letter still meets the paper's "sorry" rule, but it is not a refusal.
    const letter =
      'Dear Ms. Lee, I am truly sorry that your order arrived two weeks late. We have refunded the shipping cost and added a discount to your account.';
    expect(responseRules(letter, cfg)?.reason).toBe('sorry');
    expect(responseRules(letter, { ...cfg, sorryMaxWords: 0 })).toBeUndefined();
  });

  it('counts Chinese words, so stop-word-only Chinese answers are caught and real ones are not too short', () => {
    expect(responseRules('我们的这个也是他们的。', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('是的。', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('苹果。', cfg)?.reason).toBe('too-short');
    expect(responseRules('苹果是红色的。', cfg)).toBeUndefined();
  });
});
