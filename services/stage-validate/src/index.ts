// @evolflow/stage-validate: cheap checks and format validators before spending tokens.
export { createValidateStage } from './handler.ts';
export { cheapRules, META_PATTERNS } from './rules.ts';
export type { RuleVerdict } from './rules.ts';
