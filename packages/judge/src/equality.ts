// The LLM equality judge (the paper's elimination rule 1, used by the eliminate stage): its prompt, the second ask when the
// first answer held no verdict, and a strict reading of the answer. A verdict is read only from a
// sentence that states one ("Not Equal", "They are not exactly equal.", "Answer: Equal", "不相等");
// an answer that states none, or both, has no verdict, and the stage decides what to do with that.
import type { ChatMessage } from '@evolflow/core';

/** What the judge said: the two prompts are equal (no information gain), not equal, or nothing clear. */
export type JudgeVerdict = 'equal' | 'not-equal' | 'none';

/** The judge's raw answer is stored on the record's eliminate check cut to this many characters. */
export const JUDGE_ANSWER_CHARS = 300;

const JUDGE_SYSTEM =
  'You judge whether two prompts for an AI assistant are equal. They are Equal when they have the same constraints and requirements ' +
  'and the same depth and breadth of inquiry (rewording or politeness alone changes nothing); otherwise they are Not Equal. ' +
  'Answer with exactly Equal or Not Equal, no explanation.';

/** Two worked examples, one of each verdict: small models answer in the asked form only when shown it. */
const EXAMPLES: readonly (readonly [string, string, 'Equal' | 'Not Equal'])[] = [
  ['Name a fruit.', 'Name a red fruit that grows on trees, and give its harvest season.', 'Not Equal'],
  ['Write a poem about the sea.', 'Please write a poem about the sea.', 'Equal'],
];

const pairTurn = (first: string, second: string, lead = ''): ChatMessage => ({
  role: 'user',
  content: `${lead}The First Prompt: ${first}\nThe Second Prompt: ${second}\nYour judgement:`,
});

function judgeMessages([first, second]: readonly [string, string], examples: typeof EXAMPLES, lead?: string): ChatMessage[] {
  const shots = examples.flatMap(([a, b, verdict]): ChatMessage[] => [pairTurn(a, b), { role: 'assistant', content: verdict }]);
  return [{ role: 'system', content: JUDGE_SYSTEM }, ...shots, pairTurn(first, second, lead)];
}

/**
 * The equality judge's prompt: the paper's two criteria (same constraints and requirements, same
 * depth and breadth) and its answer, exactly "Equal" or "Not Equal", with one worked example of
 * each. Without the examples SmolLM2-135M-Instruct answered 0 of 22 real judge requests with a
 * verdict (it restated the prompts or answered them); with them, every one (see the README).
 */
export function equalityJudgeMessages(first: string, second: string): ChatMessage[] {
  return judgeMessages([first, second], EXAMPLES);
}

/**
 * The second ask, when the first answer held no verdict: the examples in the other order and a
 * reminder. It is a different request, so neither a temperature-0 judge nor the response cache
 * repeats the first answer; the failed answer itself is not shown, since small models copy it.
 */
export function equalityJudgeRetryMessages(first: string, second: string): ChatMessage[] {
  return judgeMessages([first, second], [...EXAMPLES].reverse(), 'Answer with exactly Equal or Not Equal.\n');
}

// Labels, conclusion words and subjects that may come before a verdict in its sentence.
const LEADS: RegExp[] = [
  /^(?:final\s+|my\s+|your\s+|the\s+)?(?:answer|judge?ment|verdict|result|decision|conclusion|output)\s*(?:is|would\s+be)?\s*[:：\-–—]?\s*/u,
  /^(?:so|therefore|thus|hence|in\s+conclusion|in\s+summary|overall|finally|in\s+short|in\s+my\s+(?:judge?ment|opinion|view)|based\s+on\s+(?:the|these|those)\s+(?:two\s+)?criteria)\s*[,:]?\s*(?:the\s+answer\s+is\s*:?\s*)?/u,
  /^(?:yes|no)\s*[,.:;!\-–—]\s*/u,
  /^(?:i\s+(?:would\s+say|think|believe|judge|conclude|find)|i'd\s+say)\s+(?:that\s+)?/u,
  /^(?:they|these|those|it|this|both|both\s+(?:of\s+them|prompts|instructions)|the\s+(?:two\s+|2\s+)?(?:prompts|instructions)|these\s+(?:two\s+)?(?:prompts|instructions)|the\s+(?:first|second)\s+(?:prompt|instruction|one)(?:\s+and\s+the\s+(?:first|second)(?:\s+(?:prompt|instruction|one))?)?)\s*(?:are|is|'re|seem|seems|appear|appears)(?:\s+to\s+be)?\s+(?:both\s+)?/u,
  /^they\s+(?=differ\b)/u,
  /^(?:答案|判断|结论|结果|回答|我的判断|我的答案)\s*(?:是|为)?\s*[:：]?\s*/u,
  /^(?:我认为|我觉得|因此|所以|总之)\s*[,，]?\s*/u,
  /^(?:它们|二者|两者)\s*|^(?:这|那)?(?:两|二)(?:(?:个|条)(?:提示词?|指令|问题|prompts?)?|提示词?|指令|问题|prompts?)\s*/u,
  /^(?:是|都|并|都是|并不是)(?=不|相|一|等|有)/u,
];

const NOT_EQUAL =
  /^(?:(?:are\s+|is\s+)?(?:not|n't)\s+(?:(?:exactly|quite|entirely|completely|really|strictly|fully|totally|the|at\s+all)\s+)*(?:equal|same|identical|equivalent|alike)|unequal|different|distinct|dissimilar|differ)(?![\p{L}\p{N}])|^(?:不|并不|并非)(?:完全|太|是)?(?:相等|相同|一样|等同|等价|同)|^有所?(?:不同|区别|差异|差别)/u;
const EQUAL =
  /^(?:(?:exactly\s+|completely\s+|fully\s+|essentially\s+)?(?:equal|the\s+same|same|identical|equivalent|alike))(?![\p{L}\p{N}])|^(?:完全)?(?:相等|相同|一样|等同|等价)/u;
// After the verdict: nothing, or a boundary before a reason ("Not Equal, because ...", "Equal in depth").
const TAIL = /^(?:$|[\s,，:：;；(（\-–—.。!！]|的)/u;
const QUOTES = /[*_`"“”「」『』[\]{}#]/gu;

/** The verdict a single sentence states, if it states exactly one. */
function sentenceVerdict(raw: string): JudgeVerdict | 'both' | undefined {
  let s = raw.replace(/^[\s>*\-•\d.)]+(?=\S)/u, '').trim();
  if (s === '' || /[?？]$/u.test(s)) return undefined;
  s = s
    .replace(QUOTES, '')
    .replace(/[‘’]/gu, "'")
    .replace(/(?<!\p{L})'|'(?!\p{L})/gu, '')
    .replace(/(?<=\p{L})-(?=\p{L})/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase()
    .replace(/\b(are|is|were|was|do|does)n't\b/gu, '$1 not');
  for (let changed = true; changed;) {
    changed = false;
    for (const lead of LEADS) {
      const next = s.replace(lead, '');
      if (next !== s) {
        s = next.trim();
        changed = true;
      }
    }
  }
  const no = NOT_EQUAL.exec(s);
  const yes = no ? null : EQUAL.exec(s);
  const hit = no ?? yes;
  if (!hit) return undefined;
  const tail = s.slice(hit[0].length);
  if (!TAIL.test(tail)) return undefined;
  // "Equal in constraints but not equal in depth": the tail says the opposite.
  const opposite = no
    ? /(?<!not\s|n't\s|不)(?:equal|相等)/u.test(tail.replace(/\bunequal\b/gu, ''))
    : /\b(?:not|n't)\s+(?:\w+\s+)?equal\b|unequal|不相等/u.test(tail);
  if (opposite) return 'both';
  return no ? 'not-equal' : 'equal';
}

/**
 * The verdict in a judge's answer. Each sentence or line is read on its own; one that states a
 * verdict (after a label such as "Answer:", a conclusion word, and a subject such as "They are" or
 * "这两个提示") counts. Questions ("Equal or Not Equal?"), restated prompts, and sentences that
 * merely use the word do not. One verdict, however often stated, is the answer; none, or both, is `none`.
 */
export function parseVerdict(answer: string): JudgeVerdict {
  const found = new Set<JudgeVerdict | 'both'>();
  const sentences = answer.normalize('NFKC').split(/\n+|(?<=[.!?。！？;；])\s*/u);
  for (const sentence of sentences) {
    const v = sentenceVerdict(sentence);
    if (v !== undefined) found.add(v);
  }
  if (found.size !== 1 || found.has('both')) return 'none';
  return [...found][0] as JudgeVerdict;
}
