// The paper's difficulty judge (rate an instruction 1-10, a number only): its prompt and the reading
// of its answer. The eliminate stage asks it when eliminate.difficultyJudge is on; the mixer's
// offline estimate (@evolflow/mixer) is on the same 1-10 scale, so a curriculum can sort by either.
import type { ChatMessage } from '@evolflow/core';

/**
 * The judge's messages: rate the difficulty of one instruction from 1 to 10, answering with a number
 * only (the paper's difficulty judge). Sent with the `judge` role; parse the answer with
 * `parseDifficulty`.
 */
export function difficultyJudgeMessages(instruction: string): ChatMessage[] {
  return [
    {
      role: 'user',
      content:
        'Rate the difficulty and complexity of the instruction below on a scale from 1 to 10, where 1 is a trivial request ' +
        'and 10 is an extremely demanding one. Answer with a number only, with no explanation.\n\n' +
        `#Instruction#: ${instruction}`,
    },
  ];
}

/**
 * The judge's rating from its answer: the first number from 1 to 10 ("7", "Score: 7.5", "8/10"),
 * or null when the answer holds none (the caller then keeps the estimate only).
 */
export function parseDifficulty(text: string): number | null {
  const cleaned = text.replace(/\b(?:on a scale )?(?:from )?1\s*(?:-|–|to)\s*10\b/gi, ' ').replace(/(?:\/|out of)\s*10\b/gi, ' ');
  for (const match of cleaned.matchAll(/(?<![\w.])(\d+(?:\.\d+)?)(?!\w)/g)) {
    const value = Number(match[1]);
    if (Number.isFinite(value) && value >= 1 && value <= 10) return value;
    return null;
  }
  return null;
}
