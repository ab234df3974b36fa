// @evolflow/stage-eliminate: the paper's elimination rules, a reason code per reject.
export { createEliminateStage as create, createEliminateStage } from './handler.ts';
export { responseRules, STOP_WORDS } from './rules.ts';
export type { ResponseVerdict } from './rules.ts';
