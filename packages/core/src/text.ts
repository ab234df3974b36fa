// Small text helpers shared by stages: normalisation for exact-duplicate hashing, word counts, hashes.
import { createHash } from 'node:crypto';

/** Lower-case, collapse white space, strip punctuation at the edges: the key of exact dedup. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
/**
 * Word-like segments of pure ASCII text under the Unicode word-break rules (UAX #29) that
 * `Intl.Segmenter` applies: letters, digits and `_`, joined across `'`, `.` or `:` between two
 * letters and across `'`, `.`, `,` or `;` between two digits. About fifty times faster than the
 * segmenter on the English text the simulator and most seeds are made of; text.test.ts checks
 * that it splits exactly as the segmenter does.
 */
const ASCII_WORD = /(?:[A-Za-z0-9_]|(?<=[A-Za-z])[.:'](?=[A-Za-z])|(?<=[0-9])[.,;'](?=[0-9]))+/g;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Words as every stage counts them: the word-like segments of `Intl.Segmenter` (word granularity),
 * lower-cased. Chinese, Japanese and Thai, written without spaces, are cut into dictionary words
 * ("北京是中国的首都" is five words), so word budgets, too-short and stop-word rules hold for them.
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  if (ASCII_ONLY.test(lower)) return (lower.match(ASCII_WORD) ?? []).filter((w) => w !== '_'); // ICU: a lone `_` is not word-like, `__` is
  const out: string[] = [];
  for (const s of segmenter.segment(lower)) if (s.isWordLike) out.push(s.segment);
  return out;
}

export function wordCount(text: string): number {
  return words(text).length;
}

/** Hex sha256 of a string, cut to `length` characters. */
export function hashText(text: string, length = 64): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
