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
    expect(words("Don't write more than 3.5 pages, it's a_b test!")).toEqual([
      "don't",
      'write',
      'more',
      'than',
      '3.5',
      'pages',
      "it's",
      'a_b',
      'test',
    ]);
    expect(words('...!? -- ##')).toEqual([]);
    expect(wordCount('Write a haiku (5-7-5) about the sea.')).toBe(9);
  });

  it('mixes scripts in one text', () => {
    expect(words('用Python写一个排序函数')).toEqual(['用', 'python', '写', '一个', '排序', '函数']);
  });

  it('splits Latin text exactly as Intl.Segmenter does (the fast path), on 100,000 random strings', () => {
    // Every character the fast path takes (ASCII, Latin-1 to Latin Extended-B, general punctuation),
    // half the time one of the characters the word-break rules join words across, and a few it does not take.
    const ranges: [number, number][] = [
      [0x20, 0x7e],
      [0x0a, 0x0a],
      [0xa0, 0x24f],
      [0x2010, 0x205e],
      [0x2212, 0x2212],
      [0x4e00, 0x4e10],
    ];
    const all: number[] = [];
    for (const [a, b] of ranges) for (let c = a; c <= b; c++) all.push(c);
    const joiners = [..."abcxyz019 .,;:'\u2019\u2018\u00b7_"].map((c) => c.codePointAt(0) as number);
    const random = seededRandom(7, 'words');
    const differ: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      let text = '';
      const n = 1 + Math.floor(random() * 10);
      for (let j = 0; j < n; j++) {
        const pool = random() < 0.5 ? joiners : all;
        text += String.fromCodePoint(pool[Math.floor(random() * pool.length)] as number);
      }
      if (JSON.stringify(words(text)) !== JSON.stringify(reference(text))) differ.push(text);
    }
    expect(differ).toEqual([]);
    const prose = "Rewrite the e.g. U.S.A. example: 1,000,000 items at 3.14 each; it's 10:30 now, don’t panic — café co-op __init__ x_y.";
    expect(words(prose)).toEqual(reference(prose));
  });
});

describe('normalizeText', () => {
  it('folds case, spaces and edge punctuation', () => {
    expect(normalizeText('  Hello,   World!! ')).toBe('hello, world');
  });
});
