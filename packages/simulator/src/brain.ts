// What the simulator answers: recognise the role (evolver with its strategy and format, equality
// judge, difficulty judge, responder) from the prompt, decide content faults from a hash of
// (seed, kind, request content), and write the answer. Everything is a function of seed + request
// content, except `repeat`, which needs to know what this simulator produced earlier.
import { seededRandom } from '@evolflow/core';
import { pick, unit } from './hash.ts';
import { contentWords } from './lexicon.ts';
import { evolveBroken, evolveClean, prose } from './evolve.ts';
import { FORMAT_INFO } from './formats.ts';
import { judgeDifficulty, judgeEqual, respond } from './answer.ts';
import {
  EVOLVER_FAULTS,
  RESPONDER_FAULTS,
  type AnswerFaultKind,
  type ContentFaultKind,
  type FaultKind,
  type FaultRecord,
} from './faults.ts';
import { CODE_BREAKS, codeAnswer, mathAnswer, recogniseCode, recogniseMath, testsAnswer } from './tasks.ts';

export type SimRole = FaultRecord['role'];

/** A request, as recognised from its messages. */
export interface Recognised {
  role: SimRole;
  strategy?: string;
  format?: string;
  /** Evolver: the given prompt. Responder: the instruction. Judges: the first / only instruction. */
  text: string;
  second?: string;
  judge?: 'equality' | 'difficulty';
}

const between = (s: string, start: string, end: string | RegExp): string => {
  const from = s.indexOf(start);
  if (from < 0) return '';
  const rest = s.slice(from + start.length);
  const stop = typeof end === 'string' ? rest.lastIndexOf(end) : rest.search(end);
  return (stop < 0 ? rest : rest.slice(0, stop)).trim();
};

const DEPTH: [RegExp, string][] = [
  // The code and math packs (plugins/strategy-code-*, strategy-math-*), before the general directions.
  [/programming task[\s\S]*new requirement|less common and more specific/i, 'code-constraints'],
  [/programming task[\s\S]*more logical steps/i, 'code-reasoning'],
  [/programming task[\s\S]*subtly wrong/i, 'code-misdirect'],
  [/programming task[\s\S]*complexity bound/i, 'code-complexity'],
  [/math problem[\s\S]*one more condition, quantity or unknown/i, 'math-harder'],
  [/math problem[\s\S]*one more step of reasoning/i, 'math-steps'],
  [/easier version of the same problem/i, 'math-easier'],
  [/constraint/i, 'add-constraints'],
  [/depth and breadth/i, 'deepening'],
  [/specific concepts|more specific|concreti[sz]/i, 'concretizing'],
  [/multiple-step reasoning|multi-step reasoning|step-by-step reasoning/i, 'increase-reasoning'],
];

/** Which role a chat request plays, and what it is about. */
export function recognise(content: string): Recognised {
  if (content.includes('#Created Prompt#')) {
    const strategy = /new math problem/i.test(content.slice(0, content.indexOf('#Given Prompt#:'))) ? 'math-quantities' : 'mutation';
    return { role: 'evolver', strategy, text: between(content, '#Given Prompt#:', '#Created Prompt#:') };
  }
  const givenAt = content.indexOf('#The Given Prompt#:');
  if (givenAt >= 0 && content.includes('#Rewritten Prompt#:')) {
    const header = content.slice(0, givenAt);
    const text = between(content, '#The Given Prompt#:', '#Rewritten Prompt#:');
    const data =
      /add data written in ([\w+#-]+) format/i.exec(header) ??
      /\b(json|sql|python|javascript|typescript|java|cpp|go|rust|csv|yaml|xml|markdown-table)\b[^.\n]*\b(data|format|input)\b/i.exec(
        header,
      );
    if (data) return { role: 'evolver', strategy: 'complicate-input', format: (data[1] as string).toLowerCase(), text };
    const hit = DEPTH.find(([re]) => re.test(header));
    return { role: 'evolver', strategy: hit ? hit[1] : 'add-constraints', text };
  }
  if (content.includes('The First Prompt:') && content.includes('The Second Prompt:')) {
    return {
      role: 'judge',
      judge: 'equality',
      text: between(content, 'The First Prompt:', 'The Second Prompt:'),
      second: between(content, 'The Second Prompt:', /\n\s*your judge?ment/i),
    };
  }
  if (content.includes('#Instruction#:') && /difficult/i.test(content)) {
    // The instruction runs to the end, less a trailing answer cue such as "Rating:".
    const text = content
      .slice(content.indexOf('#Instruction#:') + '#Instruction#:'.length)
      .replace(/\n\s*(your )?(rating|difficulty|score|answer)\s*:?\s*$/i, '');
    return { role: 'judge', judge: 'difficulty', text: text.trim() };
  }
  return { role: 'responder', text: content.trim() };
}

export interface BrainOptions {
  seed: number;
  faultRate: number;
  enabled: ReadonlySet<FaultKind>;
  strategyFaultRates: Readonly<Record<string, number>>;
  /** Probability of a broken answer to a coding or math task the simulator knows (default 0). */
  answerFaultRate?: number;
}

/** One answer: the text, and the content fault it carries (if any). */
export interface Answer {
  recognised: Recognised;
  text: string;
  fault?: ContentFaultKind;
  /** True when the answer depends on the occurrence too (math: a wrong answer is not repeated when asked again). */
  varies?: boolean;
}

const STOPS = [
  'the',
  'and',
  'of',
  'to',
  'it',
  'is',
  'that',
  'this',
  'with',
  'as',
  'for',
  'on',
  'by',
  'or',
  'an',
  'in',
  'be',
  'so',
  'there',
  'then',
];

/** The answering core of one simulator (it remembers output -> given prompt for `repeat`). */
export function createBrain(options: BrainOptions) {
  const producedFrom = new Map<string, string>();
  const { seed } = options;

  function chooseFault(rec: Recognised, key: number): ContentFaultKind | undefined {
    const pool = rec.role === 'evolver' ? EVOLVER_FAULTS : rec.role === 'responder' ? RESPONDER_FAULTS : [];
    // complicate-input asks for a block of its format: a fault that returns text without one would
    // be caught as missing-format rather than as itself, so no-gain and repeat need the block there.
    const fence = rec.strategy === 'complicate-input' ? `\`\`\`${FORMAT_INFO[rec.format ?? 'json']?.fence ?? 'json'}\n` : '';
    const eligible = pool.filter(
      (k) =>
        options.enabled.has(k) &&
        (k !== 'broken-format' || rec.strategy === 'complicate-input') &&
        (k !== 'no-gain' || rec.text.includes(fence)) &&
        (k !== 'repeat' || ((producedFrom.get(rec.text) ?? '').includes(fence) && producedFrom.has(rec.text))),
    );
    if (eligible.length === 0) return undefined;
    const strategyRate = rec.strategy === undefined ? undefined : options.strategyFaultRates[rec.strategy];
    if (strategyRate !== undefined && unit(seed, 'strategy-fault', key) < strategyRate) {
      return eligible[Math.floor(unit(seed, 'strategy-fault-kind', key) * eligible.length)];
    }
    if (options.faultRate <= 0) return undefined;
    return eligible.find((k) => unit(seed, k, key) < options.faultRate);
  }

  function evolverText(rec: Recognised, fault: ContentFaultKind | undefined, r: () => number): string {
    const input = { given: rec.text, r, ...(rec.format === undefined ? {} : { format: rec.format }) };
    switch (fault) {
      case 'unchanged':
        return rec.text;
      case 'repeat':
        return producedFrom.get(rec.text) as string;
      case 'broken-format':
        return evolveBroken(input);
      case 'no-gain': {
        const lower = rec.text.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
        const sep = /```\s*$/.test(rec.text) ? '\n\n' : ' '; // never glue words onto a closing fence
        return pick([`Please, ${lower}`, `${rec.text}${sep}Thank you.`, `Kindly ${lower}`], r);
      }
      case 'meta-copy': {
        const clean = evolveClean(rec.strategy ?? 'add-constraints', input);
        // Meta that must be rejected: not a leading header (the parser strips that when a clean rewrite
        // follows) and not a template restart (the evolver's stop sequences cut that).
        return r() < 0.5 ? `${clean}\n\nThe #Rewritten Prompt# above adds one requirement.` : `${clean} Answer the given prompt in full.`;
      }
      default: {
        const clean = evolveClean(rec.strategy ?? 'add-constraints', input);
        if (!producedFrom.has(clean) && clean !== rec.text) {
          if (producedFrom.size >= 2_000_000) producedFrom.clear();
          producedFrom.set(clean, rec.text);
        }
        return clean;
      }
    }
  }

  function responderText(rec: Recognised, fault: ContentFaultKind | undefined, r: () => number): string {
    switch (fault) {
      case 'refusal': {
        const topic = contentWords(prose(rec.text))[0] ?? 'this request';
        return `Sorry, I cannot help with ${topic} because it falls outside what I can answer reliably.`;
      }
      case 'too-short':
        return pick(['Yes.', 'Not sure.', 'It depends.', 'Maybe.'], r);
      case 'stopwords-only': {
        const n = 6 + Math.floor(r() * 7);
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(pick(STOPS, r) + (i % 4 === 3 ? ',' : ''));
        return `${out.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;
      }
      default:
        return respond(rec.text, r);
    }
  }

  const answerRate = options.answerFaultRate ?? 0;
  const codeBreaks = CODE_BREAKS.filter((k) => options.enabled.has(k));

  /**
   * A coding or math task the simulator knows: code with tests (broken, at `answerFaultRate`, in one of the
   * enabled ways, chosen by content like the other faults), or a worked math answer whose final number is
   * wrong at `answerFaultRate` independently on each occurrence, so a re-asked sample need not repeat it.
   */
  function taskAnswer(rec: Recognised, key: number, occurrence: number): Omit<Answer, 'recognised'> | undefined {
    const tests = testsAnswer(rec.text);
    if (tests !== undefined) return { text: tests };
    if (recogniseCode(rec.text)) {
      const broken =
        answerRate > 0 && codeBreaks.length > 0 && unit(seed, 'code-break', key) < answerRate
          ? codeBreaks[Math.floor(unit(seed, 'code-break-kind', key) * codeBreaks.length)]
          : undefined;
      const text = codeAnswer(rec.text, broken) as string;
      return broken === undefined ? { text } : { text, fault: broken };
    }
    if (recogniseMath(rec.text)) {
      const wrong = answerRate > 0 && options.enabled.has('math-wrong') && unit(seed, 'math-wrong', key, occurrence) < answerRate;
      if (!wrong) return { text: mathAnswer(rec.text) as string, varies: true };
      const by =
        (1 + Math.floor(unit(seed, 'math-wrong-by', key, occurrence) * 9)) *
        (unit(seed, 'math-wrong-sign', key, occurrence) < 0.5 ? -1 : 1);
      return { text: mathAnswer(rec.text, by) as string, fault: 'math-wrong' satisfies AnswerFaultKind, varies: true };
    }
    return undefined;
  }

  return {
    /**
     * Answer a request whose last user message is `lastUser`; `key` = hash53(joined content, seed), and
     * `occurrence` counts earlier requests with the same content (0 for the first).
     */
    answer(lastUser: string, { key, occurrence = 0 }: { key: number; occurrence?: number }): Answer {
      const rec = recognise(lastUser);
      const fault = chooseFault(rec, key);
      const r = seededRandom(seed, key); // key is already a hash of the content
      let text: string;
      if (rec.role === 'evolver') text = evolverText(rec, fault, r);
      else if (rec.role === 'responder' && fault === undefined) {
        const task = taskAnswer(rec, key, occurrence);
        if (task) return { recognised: rec, ...task };
        text = responderText(rec, fault, r);
      } else if (rec.role === 'responder') text = responderText(rec, fault, r);
      else if (rec.judge === 'equality') text = judgeEqual(rec.text, rec.second ?? '');
      else text = String(judgeDifficulty(rec.text));
      return fault === undefined ? { recognised: rec, text } : { recognised: rec, text, fault };
    },
  };
}

export type Brain = ReturnType<typeof createBrain>;
