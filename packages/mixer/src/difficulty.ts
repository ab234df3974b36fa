// Difficulty of an instruction, two ways: a cheap offline estimate from features of the text (no
// LLM, so curriculum ordering always works: a ranking model fitted on difficulty labels, half and
// half with the hand-set demand rules it replaced) and the paper's LLM judge (rate 1-10, number only; its prompt and reading live in @evolflow/judge, where
// the eliminate stage asks it), which stays the primary score when it is on.
// Both are on the same 1-10 scale so a curriculum can sort by either.
import { words } from '@evolflow/core';
import { featureVector, type FeatureName, type FeatureVector } from './difficulty-features.ts';
import { featureRow, scoreRow } from './difficulty-fit.ts';
import { DIFFICULTY_MODEL } from './difficulty-model.ts';

/** Options of the offline estimator. */
export interface EstimateOptions {
  /** Evolution round of the record (0 for a seed); each round adds a little, as evolution deepens. */
  round?: number;
}

/** What the estimator saw in an instruction (for explaining a score): the feature values and the round. */
export type DifficultyFeatures = FeatureVector & { round: number };

/**
 * Sign constraints of the fit: a demand (length, constraints, reasoning, formats, clauses, technical
 * terms, a request to build or prove) never makes an instruction easier, and a definitional opening
 * ("What is ...") never makes it harder. Shape and domain cues are left free.
 */
export const DIFFICULTY_SIGNS: Partial<Record<FeatureName, 1 | -1>> = {
  logChars: 1,
  constraints: 1,
  reasoning: 1,
  formats: 1,
  nesting: 1,
  numbers: 1,
  code: 1,
  math: 1,
  techTerms: 1,
  build: 1,
  sentences: 1,
  rareWords: 1,
  definitional: -1,
};

/** The features the estimator scores, and the round. */
export function difficultyFeatures(instruction: string, options: EstimateOptions = {}): DifficultyFeatures {
  return { ...featureVector(instruction), round: Math.max(0, options.round ?? 0) };
}

/** 0 at x = 0, approaching 1 as x grows; `k` is the x where it reaches about 63%. */
const saturate = (x: number, k: number): number => 1 - Math.exp(-Math.max(0, x) / k);

/**
 * Each feature's share of an instruction's linear score under the shipped model (weight times
 * standardised value; the shares sum to the score), largest in size first: why one instruction
 * ranks above another.
 */
export function explainDifficulty(instruction: string): { feature: FeatureName; value: number; contribution: number }[] {
  const row = featureRow(instruction);
  return DIFFICULTY_MODEL.features
    .map((feature, j) => ({
      feature,
      value: row[j] as number,
      contribution:
        ((DIFFICULTY_MODEL.weights[j] as number) * ((row[j] as number) - (DIFFICULTY_MODEL.mean[j] as number))) /
        (DIFFICULTY_MODEL.scale[j] as number),
    }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}

// The hand-set demand rules (the estimator before it was learned): length, constraints and numbers,
// reasoning and format words, clause nesting.
const CONSTRAINT =
  /\b(must|should|at least|at most|no more than|no fewer than|no less than|fewer than|less than|more than|exactly|without|only|limit(?:ed)?|within|ensure|make sure|do not|don't|avoid|require[sd]?|constraints?|each|every|maximum|minimum|under|between|specific(?:ally)?|including|include|excluding|strictly|while also|in addition|additionally|also)\b/g;
const REASONING =
  /\b(why|how does|how do|explain|justify|prove|derive|analy[sz]e|analysis|compare|contrast|evaluate|reason(?:ing)?|step[- ]by[- ]step|multi(?:ple)?[- ]steps?|calculate|compute|estimate|trade-?offs?|implications?|critically|assess|infer|hypothes\w+|consequences?|impact|optimi[sz]e|design|algorithm|complexity|proof|solve|determine|identify|predict|discuss)\b/g;
const FORMAT =
  /\b(json|xml|yaml|sql|table|markdown|csv|code|python|javascript|typescript|java|c\+\+|function|class|regex|regular expression|latex|bullet(?:ed)?|numbered|format(?:ted)?|schema|query|script|program|html|diagram|outline)\b/g;
const NESTING =
  /[,;:()]|\b(which|that|whereas|while|although|though|if|unless|then|considering|given|where|when|whether|because|so that|such that|as well as)\b/g;
const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

/**
 * The hand-set rule score on 1-10 (the offline estimate before it was learned; round not included):
 * 1 + 3 length + 1.5 constraints + 1.5 reasoning + 1 formats + 1 nesting, each saturating. Kept as
 * half of `estimateDifficulty` for what no fetchable labelled set teaches: how domains compare
 * (maths and reasoning above small talk); bench/difficulty.ts reports it alone too.
 */
export function ruleDifficulty(instruction: string): number {
  const lower = instruction.toLowerCase();
  const sentences = Math.max(1, count(instruction, /[.!?]+(\s|$)/g));
  const length = Math.min(1, Math.max(0, Math.log2(Math.max(1, words(instruction).length) / 6) / 4));
  const constraints = count(lower, CONSTRAINT) + count(lower, /\b\d+(?:[.,]\d+)?\b/g);
  const nesting = count(lower, NESTING) + (sentences - 1);
  const score =
    1 +
    3 * length +
    1.5 * saturate(constraints, 3) +
    1.5 * saturate(count(lower, REASONING), 2) +
    saturate(count(lower, FORMAT), 1.5) +
    saturate(nesting, 5);
  return Math.min(10, Math.max(1, score));
}

/**
 * The fitted ranking model's score on 1-10 (round not included): `DIFFICULTY_MODEL`, learned from
 * difficulty labels (bench/difficulty.ts), put on the scale by the spread of its scores on the
 * fitting data, 1 + 9 * sigmoid(1.7 * standardised score) (1.7 makes the logistic close to the
 * normal CDF).
 */
export function learnedDifficulty(instruction: string): number {
  const score = scoreRow(DIFFICULTY_MODEL, featureRow(instruction));
  return 1 + 9 / (1 + Math.exp((-1.7 * (score - DIFFICULTY_MODEL.center)) / DIFFICULTY_MODEL.spread));
}

/**
 * A difficulty estimate on the judge's 1-10 scale from the instruction alone, without an LLM: the
 * mean of the learned model (`learnedDifficulty`: ranks within a domain as people labelled it) and
 * the hand-set demand rules (`ruleDifficulty`: carries how domains compare, which no labelled set
 * fetchable here teaches), half each (fixed in advance, not tuned), plus up to 1 for the evolution
 * round (not fitted: no labelled set has rounds; the paper's premise that each round deepens).
 * Deterministic, rounded to two decimals. The stage stores it in `scores.estimate`.
 */
export function estimateDifficulty(instruction: string, options: EstimateOptions = {}): number {
  const value = (learnedDifficulty(instruction) + ruleDifficulty(instruction)) / 2 + saturate(Math.max(0, options.round ?? 0), 2);
  return Math.round(Math.min(10, Math.max(1, value)) * 100) / 100;
}
