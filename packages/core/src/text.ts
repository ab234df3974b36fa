// Small text helpers shared by stages: normalisation for exact-duplicate hashing, word counts, hashes.
import { createHash } from 'node:crypto';

/** Lower-case, collapse white space, strip punctuation at the edges: the key of exact dedup. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
/**
 * Word-like segments of Latin text under the Unicode word-break rules (UAX #29) that
 * `Intl.Segmenter` applies: letters (ASCII and Latin-1 to Latin Extended-B), digits and `_`,
 * joined across `'`, `’`, `‘`, `.`, `:` or `·` between two letters and across `'`, `’`, `.`, `,` or
 * `;` between two digits; everything else in FAST_TEXT (spaces, ASCII and general punctuation,
 * symbols) separates words. Ten to a hundred times faster than the segmenter on the English text
 * that seeds, the simulator and most model answers are made of; text.test.ts checks that it splits
 * exactly as the segmenter does.
 */
const LATIN = 'A-Za-z\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F';
const FAST_WORD = new RegExp(
  `[${LATIN}0-9_]+(?:(?:(?<=[${LATIN}])[.:'\u00B7\u2018\u2019\u2024](?=[${LATIN}])|(?<=[0-9])[.,;'\u2018\u2019\u2024](?=[0-9]))[${LATIN}0-9_]+)*`,
  'g',
);
/** Text FAST_WORD splits as the segmenter does (no soft hyphen, joiners, format controls, undertie or other scripts). */
const FAST_TEXT =
  /^[\x00-\x7f\u00A0-\u00AC\u00AE-\u00B7\u00B9-\u024F\u2010-\u2026\u2030-\u203E\u2041-\u2043\u2045-\u2053\u2055-\u205E\u2212]*$/;

/**
 * Words as every stage counts them: the word-like segments of `Intl.Segmenter` (word granularity),
 * lower-cased. Chinese, Japanese and Thai, written without spaces, are cut into dictionary words
 * ("北京是中国的首都" is five words), so word budgets, too-short and stop-word rules hold for them.
 */
export function words(text: string): string[] {
  const lower = text.toLowerCase();
  if (FAST_TEXT.test(lower)) return (lower.match(FAST_WORD) ?? []).filter((w) => w !== '_'); // ICU: a lone `_` is not word-like, `__` is
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

/**
 * The full task text of a record: the instruction with its Alpaca input folded in, as strategies
 * show it to the evolver. Checks that compare a child with its parent compare these texts.
 */
export function taskText(record: { instruction: string; input?: string | undefined }): string {
  return record.input ? `${record.instruction}\n\n${record.input}` : record.instruction;
}
