// The validate stage's cheap rules, as pure functions of the child and its parent.
import { findMeta, findRefusal, looksLikeTask, words, type Config } from '@evolflow/core';

/** The text without its fenced (```) blocks. */
export function stripFenced(text: string): string {
  return text.replace(/```[\s\S]*?(```|$)/g, ' ');
}

export interface RuleVerdict {
  reason: string;
  detail: string;
}

/**
 * The first cheap rule the evolution breaks, or undefined, in this order: `refusal` (the evolver
 * declined to rewrite), `meta-copy` (prompt meta left anywhere after the parser stripped a leading
 * header; a meta phrase the parent itself holds, such as a seed's "the given prompt", is inherited,
 * not copied), `not-a-task` (an answer or a statement; skipped when the parent does not read as a
 * task either), `unchanged`, `word-budget`, `too-long`.
 */
export function cheapRules(instruction: string, parent: string, config: Readonly<Config['validate']>): RuleVerdict | undefined {
  const refusal = findRefusal(instruction, { rewrite: true });
  if (refusal) return { reason: 'refusal', detail: `the evolver declined: "${refusal.phrase}" at character ${refusal.index}` };
  const meta = findMeta(instruction);
  if (meta && !parent.toLowerCase().includes(meta.phrase.toLowerCase())) {
    return { reason: 'meta-copy', detail: `contains the prompt meta words "${meta.phrase}" (${meta.kind}) at character ${meta.index}` };
  }
  if (!looksLikeTask(instruction) && (parent === '' || looksLikeTask(parent))) {
    return { reason: 'not-a-task', detail: 'reads as an answer or a statement, not an instruction: no question, imperative or request' };
  }
  const mine = words(instruction);
  const theirs = words(parent);
  if (mine.join(' ') === theirs.join(' ')) return { reason: 'unchanged', detail: 'same words as the parent' };
  const a = new Set(mine);
  const b = new Set(theirs);
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  const jaccard = inter / (a.size + b.size - inter || 1);
  if (jaccard >= config.unchangedSimilarity)
    return {
      reason: 'unchanged',
      detail: `word-set similarity to the parent ${jaccard.toFixed(3)} >= validate.unchangedSimilarity = ${config.unchangedSimilarity}`,
    };
  // The budget is for prose: data that complicate-input adds in fenced blocks is bounded by maxWords.
  const added = words(stripFenced(instruction)).length - words(stripFenced(parent)).length;
  if (added > config.maxAddedWords)
    return { reason: 'word-budget', detail: `grew by ${added} words of prose, more than validate.maxAddedWords = ${config.maxAddedWords}` };
  if (mine.length > config.maxWords)
    return { reason: 'too-long', detail: `${mine.length} words, more than validate.maxWords = ${config.maxWords}` };
  return undefined;
}

/**
 * Share of a data block's distinct words the child must still hold. Concretizing and
 * complicate-input may edit the data (reformat a table as JSON, add rows, rename a column), so the
 * test is word coverage, not equality; dropping the data leaves only the words the instruction
 * happens to share with it.
 */
export const LOST_INPUT_COVERAGE = 0.6;

interface TaskParts {
  instruction: string;
  input?: string | undefined;
}

/** The parent's data: its input field and the contents of its fenced blocks. */
export function parentData(parent: TaskParts): string[] {
  const blocks = [...parent.instruction.matchAll(/```[^\n]*\n?([\s\S]*?)(?:```|$)/g)].map((m) => m[1] ?? '');
  return [parent.input ?? '', ...blocks].filter((d) => words(d).length > 0);
}

/**
 * `lost-input` when an in-depth evolution dropped its parent's data (the Alpaca input or a fenced
 * block): fewer than LOST_INPUT_COVERAGE of the data's distinct words are left anywhere in the
 * child (its instruction or input). Breadth strategies (mutation) write a new prompt and are exempt.
 */
export function lostInput(child: TaskParts, parent: TaskParts, kind: 'depth' | 'breadth'): RuleVerdict | undefined {
  if (kind === 'breadth') return undefined;
  const have = new Set(words(`${child.instruction}\n${child.input ?? ''}`));
  for (const data of parentData(parent)) {
    const want = new Set(words(data));
    let kept = 0;
    for (const w of want) if (have.has(w)) kept++;
    const coverage = kept / want.size;
    if (coverage < LOST_INPUT_COVERAGE) {
      const where = data === parent.input ? 'input' : 'fenced data';
      return {
        reason: 'lost-input',
        detail: `keeps ${kept} of the ${want.size} distinct words of the parent's ${where} ("${data.trim().slice(0, 40)}"), fewer than ${LOST_INPUT_COVERAGE * 100}%`,
      };
    }
  }
  return undefined;
}
