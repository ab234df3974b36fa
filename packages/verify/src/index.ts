// @evolflow/verify: checks of a response's correctness (code run with tests in a sandbox, math cross-checked).
export { looksLikeMath, extractFinalAnswer, normaliseAnswer, judgeMath } from './math.ts';
export type { MathVerdict } from './math.ts';
