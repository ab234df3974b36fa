// Small text helpers shared by stages: normalisation for exact-duplicate hashing, word counts, hashes.
import { createHash } from 'node:crypto';

/** Lower-case, collapse white space, strip punctuation at the edges: the key of exact dedup. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/** Words as the eliminator counts them: runs of letters, digits, apostrophes. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? [];
}

export function wordCount(text: string): number {
  return words(text).length;
}

/** Hex sha256 of a string, cut to `length` characters. */
export function hashText(text: string, length = 64): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
