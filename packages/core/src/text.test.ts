// Word counts for every script: Intl.Segmenter words, and the ASCII fast path that must split alike.
import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.ts';
import { normalizeText, wordCount, words } from './text.ts';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
const reference = (text: string): string[] => [...segmenter.segment(text.toLowerCase())].filter((s) => s.isWordLike).map((s) => s.segment);

describe('words', () => {
  it('counts Chinese, Japanese and Thai words, which have no spaces between them', () => {
    expect(words('北京是中国的首都。')).toEqual(['北京', '是', '中国', '的', '首都']);
    expect(wordCount('我无法帮助你完成这个请求。')).toBeGreaterThanOrEqual(5);
    expect(wordCount('東京は日本の首都です。')).toBe(6);
    expect(wordCount('สวัสดีครับ ผมชื่อสมชาย')).toBeGreaterThanOrEqual(4);
  });

  it('counts English words: contractions, decimals and snake_case stay one word, hyphens split', () => {
    expect(words("Don't write more than 3.5 pages, it's a_b test!")).toEqual(["don't", 'write', 'more', 'than', '3.5', 'pages', "it's", 'a_b', 'test']);
    expect(words('...!? -- ##')).toEqual([]);
    expect(wordCount('Write a haiku (5-7-5) about the sea.')).toBe(9);
  });

  it('mixes scripts in one text', () => {
    expect(words('用Python写一个排序函数')).toEqual(['用', 'python', '写', '一个', '排序', '函数']);
  });

  it('splits ASCII text exactly as Intl.Segmenter does (the fast path), on 50,000 random strings', () => {
    const alphabet = "aZq9_0 .,;:'\"-!?()#@\n\t/\\`*+=$%&<>[]{}|~^";
    const random = seededRandom(7, 'words');
    const differ: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      let text = '';
      const n = 1 + Math.floor(random() * 16);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      if (JSON.stringify(words(text)) !== JSON.stringify(reference(text))) differ.push(text);
    }
    expect(differ).toEqual([]);
    const prose = 'Rewrite the e.g. U.S.A. example: 1,000,000 items at 3.14 each; it\'s 10:30 now, co-op __init__ x_y.';
    expect(words(prose)).toEqual(reference(prose));
  });
});

describe('normalizeText', () => {
  it('folds case, spaces and edge punctuation', () => {
    expect(normalizeText('  Hello,   World!! ')).toBe('hello, world');
  });
});
