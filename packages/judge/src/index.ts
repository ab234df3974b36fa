// @evolflow/judge: the LLM judges of the paper, as prompts and strict readings of their answers: the
// equality judge (elimination rule 1) and the difficulty judge (1-10). Pure text in, text out: the
// caller sends the messages with its LLM client (the `judge` role) and reads the answer here.
export { equalityJudgeMessages, equalityJudgeRetryMessages, parseVerdict, JUDGE_ANSWER_CHARS } from './equality.ts';
export type { JudgeVerdict } from './equality.ts';
export { difficultyJudgeMessages, parseDifficulty } from './difficulty.ts';
