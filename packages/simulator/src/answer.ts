// Responder and judge answers: responses sized to the instruction (JSON when it asks for JSON),
// the equality judge (Equal / Not Equal) and the difficulty judge (1-10).
import { words } from '@evolflow/core';
import { demandedFormat } from '@evolflow/validators';
import { dataBlock, FORMAT_INFO } from './formats.ts';
import { pick } from './hash.ts';
import { newContentWords, topicWords } from './lexicon.ts';
import { prose } from './evolve.ts';

const SENTENCES: ((a: string, b: string, c: string) => string)[] = [
  (a, b, c) => `${cap(a)} matters here because it shapes ${b} and ${c}.`,
  (a, b) => `A practical approach is to start with ${a}, then review ${b} carefully.`,
  (a, b) => `For example, ${a} can be compared with ${b} to show the difference clearly.`,
  (a, b, c) => `Consider how ${a} relates to ${b}, and note any exceptions involving ${c}.`,
  (a) => `One useful step is to list the key facts about ${a} before drawing conclusions.`,
  (a, b) => `It also helps to check ${a} against ${b} with a concrete case.`,
  (a, b, c) => `Experts often weigh ${a}, ${b} and ${c} together rather than in isolation.`,
  (a) => `A common mistake is to treat ${a} as simpler than it really is.`,
];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** Words a clean answer never echoes: the eliminator reads them as a refusal. */
const REFUSAL_WORDS = new Set(['sorry', 'apologize', 'apologise', 'apologies', 'cannot']);
const GENERIC = ['the context', 'the main goal', 'the details', 'the constraints', 'the evidence'];

/** True when the instruction asks for its answer as JSON. */
export function wantsJson(instruction: string): boolean {
  return /\b(answer|respond|reply|output|return|format|formatted|give)\b[^.\n]{0,40}\bjson\b|\bjson (object|format|output)\b|\bas json\b|\bin json\b/i.test(
    instruction,
  );
}

/** A deterministic, relevant-looking answer of roughly 2-4x the instruction's words (at least 30). */
export function respond(instruction: string, r: () => number): string {
  const topics = topicWords(prose(instruction)).filter((w) => !REFUSAL_WORDS.has(w));
  const term = () => (topics.length > 0 && r() < 0.8 ? pick(topics, r) : pick(GENERIC, r));
  const target = Math.min(600, Math.max(30, Math.round(words(instruction).length * (2 + r() * 2))));
  const sentences: string[] = [`Here is a clear answer about ${term()}.`];
  let count = words(sentences[0] as string).length;
  while (count < target) {
    const s = pick(SENTENCES, r)(term(), term(), term());
    sentences.push(s);
    count += words(s).length;
  }
  // A format the instruction demands (the same reading as the eliminate stage's response check).
  const format = wantsJson(instruction) ? 'json' : demandedFormat(instruction);
  if (format === 'json') {
    return JSON.stringify({ answer: sentences[0], topics: topics.slice(0, 5), details: sentences.slice(1) }, null, 2);
  }
  // Paragraphs of about four sentences.
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 4) paragraphs.push(sentences.slice(i, i + 4).join(' '));
  if (format !== undefined && FORMAT_INFO[format]) {
    const block = dataBlock({ format, topicWords: topics }, r);
    paragraphs.splice(1, 0, `Here is the ${block.label} ${block.code ? 'code' : 'answer'}:\n\n\`\`\`${block.fence}\n${block.text}\n\`\`\``);
  }
  return paragraphs.join('\n\n');
}

/** The equality judge: Equal when the second adds at most 2 new content words and is not much longer. */
export function judgeEqual(first: string, second: string): 'Equal' | 'Not Equal' {
  const gained = newContentWords(first, second).length;
  const longer = words(second).length > words(first).length * 1.2 + 3;
  return gained <= 2 && !longer ? 'Equal' : 'Not Equal';
}

/** The difficulty judge: 1-10, growing with length, constraints, reasoning and format demands. */
export function judgeDifficulty(instruction: string): number {
  const n = words(instruction).length;
  let score = 1 + Math.min(4, Math.floor(Math.log2(1 + n / 8)));
  if (/\b(must|at least|no more than|under \d+|limit|avoid|only|strict)\b/i.test(instruction)) score += 1;
  if (/\b(step|steps|reason|reasoning|justify|derive|prove)\b/i.test(instruction)) score += 2;
  if (/```|\b(json|sql|table|csv|yaml|xml|code)\b/i.test(instruction)) score += 1;
  if (/\b(depth|implications|perspectives|consequences|mechanisms)\b/i.test(instruction)) score += 1;
  return Math.max(1, Math.min(10, score));
}
