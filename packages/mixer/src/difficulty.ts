// Difficulty of an instruction, two ways: a cheap offline estimate from features of the text (no
// LLM, so curriculum ordering always works) and the paper's LLM judge (rate 1-10, number only; its
// prompt and reading live in @evolflow/judge, where the eliminate stage asks it).
// Both are on the same 1-10 scale so a curriculum can sort by either.
import { words } from '@evolflow/core';

/** Options of the offline estimator. */
export interface EstimateOptions {
  /** Evolution round of the record (0 for a seed); each round adds a little, as evolution deepens. */
  round?: number;
}

/** What the estimator saw in an instruction (for explaining a score). */
export interface DifficultyFeatures {
  words: number;
  constraints: number;
  reasoning: number;
  formats: number;
  nesting: number;
  round: number;
}

const CONSTRAINT = /\b(must|should|at least|at most|no more than|no fewer than|no less than|fewer than|less than|more than|exactly|without|only|limit(?:ed)?|within|ensure|make sure|do not|don't|avoid|require[sd]?|constraints?|each|every|maximum|minimum|under|between|specific(?:ally)?|including|include|excluding|strictly|while also|in addition|additionally|also)\b/g;
const REASONING = /\b(why|how does|how do|explain|justify|prove|derive|analy[sz]e|analysis|compare|contrast|evaluate|reason(?:ing)?|step[- ]by[- ]step|multi(?:ple)?[- ]steps?|calculate|compute|estimate|trade-?offs?|implications?|critically|assess|infer|hypothes\w+|consequences?|impact|optimi[sz]e|design|algorithm|complexity|proof|solve|determine|identify|predict|discuss)\b/g;
const FORMAT = /\b(json|xml|yaml|sql|table|markdown|csv|code|python|javascript|typescript|java|c\+\+|function|class|regex|regular expression|latex|bullet(?:ed)?|numbered|format(?:ted)?|schema|query|script|program|html|diagram|outline)\b/g;
const NESTING = /[,;:()]|\b(which|that|whereas|while|although|though|if|unless|then|considering|given|where|when|whether|because|so that|such that|as well as)\b/g;

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;
/** 0 at x = 0, approaching 1 as x grows; `k` is the x where it reaches about 63%. */
const saturate = (x: number, k: number): number => 1 - Math.exp(-Math.max(0, x) / k);

/** The features the estimator scores. */
export function difficultyFeatures(instruction: string, options: EstimateOptions = {}): DifficultyFeatures {
  const lower = instruction.toLowerCase();
  const sentences = Math.max(1, count(instruction, /[.!?]+(\s|$)/g));
  return {
    words: words(instruction).length,
    constraints: count(lower, CONSTRAINT) + count(lower, /\b\d+(?:[.,]\d+)?\b/g),
    reasoning: count(lower, REASONING),
    formats: count(lower, FORMAT),
    nesting: count(lower, NESTING) + (sentences - 1),
    round: Math.max(0, options.round ?? 0),
  };
}

/**
 * A difficulty estimate on the judge's 1-10 scale from features of the instruction alone: length,
 * constraints, reasoning and format demands, clause nesting and the evolution round. Deterministic,
 * rounded to two decimals, no LLM. The stage stores it in `scores.estimate`.
 */
export function estimateDifficulty(instruction: string, options: EstimateOptions = {}): number {
  const f = difficultyFeatures(instruction, options);
  const length = Math.min(1, Math.max(0, Math.log2(Math.max(1, f.words) / 6) / 4));
  const score =
    1 +
    3 * length +
    1.5 * saturate(f.constraints, 3) +
    1.5 * saturate(f.reasoning, 2) +
    1 * saturate(f.formats, 1.5) +
    1 * saturate(f.nesting, 5) +
    1 * saturate(f.round, 2);
  return Math.round(Math.min(10, Math.max(1, score)) * 100) / 100;
}
