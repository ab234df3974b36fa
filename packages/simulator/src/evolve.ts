// Clean evolutions, one writer per strategy. Each grows the given prompt in the asked direction
// with 10-20 new words (at least 3 new content words, never the prompt meta words); mutation
// writes a new prompt of the same domain from the parent's content words.
import { words } from '@evolflow/core';
import { pick } from './hash.ts';
import { BANKS, contentWords, fresh, topicWords } from './lexicon.ts';
import { dataBlock } from './formats.ts';
import { mathVariant } from './tasks.ts';

/** What an evolution writer gets: the given prompt, its prose words and a seeded random source. */
export interface EvolveInput {
  given: string;
  format?: string;
  r: () => number;
}

const an = (w: string) => (/^[aeiou]/i.test(w) ? `an ${w}` : `a ${w}`);
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The prose of a prompt: fenced blocks removed. */
export function prose(text: string): string {
  return text.replace(/```[\s\S]*?(```|$)/g, ' ');
}

interface Pen {
  avoid: Set<string>;
  topics: string[];
  r: () => number;
}

function pen(given: string, r: () => number): Pen {
  return { avoid: new Set(contentWords(given)), topics: topicWords(prose(given)), r };
}

const topic = (p: Pen) => (p.topics.length > 0 ? pick(p.topics, p.r) : 'the task');
const f = (p: Pen, bank: readonly string[]) => fresh(bank, p.avoid, p.r);

/** Joins an added sentence: a new paragraph after data or unpunctuated text, else a space. */
const join = (given: string) => (/[.!?:)]$/.test(given.trimEnd()) && !given.includes('\n') ? ' ' : '\n\n');

/** Extra clauses for long prompts, so the rewrite still differs measurably from its parent. */
function extra(p: Pen, given: string): string {
  const distinct = new Set(words(given)).size;
  let out = '';
  if (distinct > 110)
    out += ` Weigh the ${f(p, BANKS.aspect)}, ${f(p, BANKS.aspect)} and ${f(p, BANKS.aspect)} of ${topic(p)} for ${f(p, BANKS.audience)}.`;
  if (distinct > 220) out += ` Note one ${f(p, BANKS.quality)} ${f(p, BANKS.noun)} and one ${f(p, BANKS.noun)}.`;
  return out;
}

const ADD_CONSTRAINTS: ((p: Pen) => string)[] = [
  (p) =>
    `Your answer must stay under ${120 + Math.floor(p.r() * 20) * 10} words, cite one ${f(p, BANKS.quality)} ${f(p, BANKS.noun)}, and avoid discussing ${f(p, BANKS.aspect)}.`,
  (p) =>
    `Additionally, address ${f(p, BANKS.audience)} directly and include ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)} for ${topic(p)}.`,
  (p) =>
    `Limit the response to ${3 + Math.floor(p.r() * 4)} bullet points, each naming ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)} tied to ${topic(p)}.`,
  (p) =>
    `The answer must respect a strict ${f(p, BANKS.noun)} and mention at least one ${f(p, BANKS.quality)} ${f(p, BANKS.noun)} about ${topic(p)}.`,
  (p) =>
    `Avoid jargon throughout, and end with ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)} that ${f(p, BANKS.audience)} could follow easily.`,
];

const DEEPENING: ((p: Pen) => string)[] = [
  (p) =>
    `Go beyond a summary: examine the ${f(p, BANKS.aspect)} and ${f(p, BANKS.aspect)} of ${topic(p)}, and how they affect ${f(p, BANKS.audience)}.`,
  (p) =>
    `Also explore the ${f(p, BANKS.aspect)} behind ${topic(p)}, including its ${f(p, BANKS.aspect)}, ${f(p, BANKS.aspect)} and long-term implications.`,
  (p) =>
    `Broaden the inquiry to cover the ${f(p, BANKS.aspect)} and ${f(p, BANKS.aspect)} of ${topic(p)}, comparing two ${f(p, BANKS.quality)} perspectives.`,
];

const REASONING: ((p: Pen) => string)[] = [
  (p) =>
    `Reason explicitly in steps: first ${f(p, BANKS.step)} the ${topic(p)}, then ${f(p, BANKS.step)} each ${f(p, BANKS.noun)}, and finally ${f(p, BANKS.step)} your conclusion.`,
  (p) =>
    `Show your reasoning step by step, and ${f(p, BANKS.step)} every ${f(p, BANKS.noun)} before you ${f(p, BANKS.step)} the final answer about ${topic(p)}.`,
  (p) =>
    `Break the problem into at least three numbered steps, and ${f(p, BANKS.step)} every intermediate ${f(p, BANKS.noun)} concerning ${topic(p)}.`,
];

/** General terms and the specific ones concretizing puts in their place. */
const SPECIFICS: [RegExp, string[]][] = [
  [/\bpeople\b/i, ['retired teachers', 'night-shift nurses', 'first-year students']],
  [/\ba city\b/i, ['Lisbon', 'Osaka', 'Nairobi']],
  [/\ba country\b/i, ['Portugal', 'Vietnam', 'Chile']],
  [/\bfood\b/i, ['lentil soup', 'sourdough bread', 'grilled sardines']],
  [/\ba company\b/i, ['a family-owned bakery', 'a regional airline', 'a bicycle maker']],
  [/\ba book\b/i, ['Moby-Dick', 'Middlemarch', 'The Odyssey']],
  [/\ban animal\b/i, ['a snow leopard', 'an axolotl', 'a barn owl']],
  [/\btechnology\b/i, ['lithium-ion batteries', 'heat pumps', 'satellite navigation']],
  [/\bsomething\b/i, ['a handwritten letter', 'a ceramic teapot', 'a bus timetable']],
];

function concretize(given: string, p: Pen): string {
  const parts = given.split(/(```[\s\S]*?(?:```|$))/);
  let swaps = 0;
  for (let i = 0; i < parts.length && swaps < 2; i += 2) {
    for (const [general, specific] of SPECIFICS) {
      if (swaps < 2 && general.test(parts[i] ?? '')) {
        parts[i] = (parts[i] ?? '').replace(general, pick(specific, p.r));
        swaps++;
      }
    }
  }
  const year = 1990 + Math.floor(p.r() * 34);
  const tail = `Make it concrete: set it in ${f(p, BANKS.place)} in ${year}, for ${f(p, BANKS.audience)} facing ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)}.`;
  const text = parts.join('');
  return `${text}${join(text)}${tail}`;
}

function complicate(given: string, format: string, p: Pen): { text: string; block: ReturnType<typeof dataBlock> } {
  return { text: given, block: dataBlock({ format, topicWords: p.topics }, p.r) };
}

/** The sentence that introduces a data block, plus the fenced block itself. */
export function withBlock(given: string, block: ReturnType<typeof dataBlock>, p: Pen): string {
  const what = block.code ? 'code' : 'data';
  return `${given}\n\nUse the ${block.label} ${what} below about ${topic(p)} as input, citing its ${f(p, BANKS.noun)} entries.\n\n\`\`\`${block.fence}\n${block.text}\n\`\`\``;
}

const MUTATION: ((p: Pen, w: string[]) => string)[] = [
  (p, [a, b, c, d]) =>
    `Describe ${an(f(p, BANKS.rare))} aspect of ${a} that connects ${b} with ${c}, and give one ${f(p, BANKS.quality)} example involving ${d}.`,
  (p, [a, b, c, d]) =>
    `Write a short ${f(p, BANKS.genre)} in which ${a} meets ${an(f(p, BANKS.rare))} ${f(p, BANKS.noun)}, mentioning ${b}, ${c} and ${d}.`,
  (p, [a, b, c, d]) =>
    `Explain how ${a} could be approached in ${an(f(p, BANKS.rare))} way when ${b} and ${c} are scarce, considering ${d}.`,
  (p, [a, b, c, d]) =>
    `Design ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)} for ${f(p, BANKS.audience)} that uses ${a} and ${b} in ${an(f(p, BANKS.rare))} setting like ${c} or ${d}.`,
];

function mutate(given: string, p: Pen): string {
  const own = p.topics.slice(0, 12);
  const fill = [f(p, BANKS.aspect), f(p, BANKS.noun), f(p, BANKS.aspect), f(p, BANKS.noun)];
  const slots = [0, 1, 2, 3].map((i) => own[i] ?? (fill[i] as string));
  let text = pick(MUTATION, p.r)(p, slots);
  const rest = own.slice(4);
  const target = Math.min(80, words(prose(given)).length);
  if (rest.length > 0)
    text += ` Draw on ${rest.slice(0, -1).join(', ')}${rest.length > 1 ? ' and ' : ''}${rest[rest.length - 1]} where they fit.`;
  const pads = [
    () => ` Keep the answer ${f(p, BANKS.quality)} and useful for ${f(p, BANKS.audience)}.`,
    () => ` Mention one ${f(p, BANKS.noun)} from ${f(p, BANKS.place)} and explain its ${f(p, BANKS.aspect)}.`,
    () => ` Close with ${an(f(p, BANKS.quality))} ${f(p, BANKS.noun)} and a short ${f(p, BANKS.genre)}.`,
    () => ` Compare the ${f(p, BANKS.aspect)} with the ${f(p, BANKS.aspect)} seen by ${f(p, BANKS.audience)}.`,
  ];
  for (const pad of pads) if (words(text).length < target * 0.7) text += pad();
  return capital(text);
}

/** The clean evolution of `given` by `strategy`. */
export function evolveClean(strategy: string, input: EvolveInput): string {
  const p = pen(input.given, input.r);
  const { given } = input;
  switch (strategy) {
    case 'deepening':
      return `${given}${join(given)}${pick(DEEPENING, p.r)(p)}${extra(p, given)}`;
    case 'concretizing':
      return `${concretize(given, p)}${extra(p, given)}`;
    case 'increase-reasoning':
      return `${given}${join(given)}${pick(REASONING, p.r)(p)}${extra(p, given)}`;
    case 'complicate-input': {
      const { text, block } = complicate(given, input.format ?? 'json', p);
      return withBlock(text, block, p);
    }
    case 'mutation':
      return mutate(given, p);
    // A problem the simulator knows becomes another of its family with new numbers (new quantities, or an easier one).
    case 'math-quantities':
    case 'math-easier':
      return mathVariant(given, p.r) ?? mutate(given, p);
    default:
      return `${given}${join(given)}${pick(ADD_CONSTRAINTS, p.r)(p)}${extra(p, given)}`;
  }
}

/** complicate-input with a data block broken in its format (the `broken-format` fault). */
export function evolveBroken(input: EvolveInput): string {
  const p = pen(input.given, input.r);
  return withBlock(input.given, dataBlock({ format: input.format ?? 'json', topicWords: p.topics, broken: true }, p.r), p);
}
