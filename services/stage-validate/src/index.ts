// @evolflow/stage-validate: cheap checks and format validators before spending tokens.
export { createValidateStage as create, createValidateStage } from './handler.ts';
export { cheapRules, lostInput, parentData, LOST_INPUT_COVERAGE } from './rules.ts';
export type { RuleVerdict } from './rules.ts';
