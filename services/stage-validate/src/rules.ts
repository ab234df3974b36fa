// The validate stage's cheap rules, as pure functions of the child and its parent.
import { words, type Config } from '@evolflow/core';

/** Prompt meta words an evolution must never contain (the paper's fourth elimination rule). */
export const META_PATTERNS: readonly RegExp[] = [
  /#\s*rewritten\s+prompt\s*#/i,
  /#\s*(the\s+)?given\s+prompt\s*#/i,
  /#\s*created\s+prompt\s*#/i,
  /\b(the\s+)?given\s+prompt\b/i,
  /\brewritten\s+prompt\b/i,
  /\bcreated\s+prompt\b/i,
];

/** The text without its fenced (```) blocks. */
export function stripFenced(text: string): string {
  return text.replace(/```[\s\S]*?(```|$)/g, ' ');
}

export interface RuleVerdict {
  reason: string;
  detail: string;
}

/** The first cheap rule the evolution breaks, or undefined. */
export function cheapRules(instruction: string, parent: string, config: Readonly<Config['validate']>): RuleVerdict | undefined {
  for (const pattern of META_PATTERNS) {
    const m = pattern.exec(instruction);
    if (m) return { reason: 'meta-copy', detail: `contains the prompt meta words "${m[0]}" at character ${m.index}` };
  }
  const mine = words(instruction);
  const theirs = words(parent);
  if (mine.join(' ') === theirs.join(' ')) return { reason: 'unchanged', detail: 'same words as the parent' };
  const a = new Set(mine);
  const b = new Set(theirs);
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const jaccard = inter / (a.size + b.size - inter || 1);
  if (jaccard >= config.unchangedSimilarity) return { reason: 'unchanged', detail: `word-set similarity to the parent ${jaccard.toFixed(3)} >= validate.unchangedSimilarity = ${config.unchangedSimilarity}` };
  // The budget is for prose: data that complicate-input adds in fenced blocks is bounded by maxWords.
  const added = words(stripFenced(instruction)).length - words(stripFenced(parent)).length;
  if (added > config.maxAddedWords) return { reason: 'word-budget', detail: `grew by ${added} words of prose, more than validate.maxAddedWords = ${config.maxAddedWords}` };
  if (mine.length > config.maxWords) return { reason: 'too-long', detail: `${mine.length} words, more than validate.maxWords = ${config.maxWords}` };
  return undefined;
}
