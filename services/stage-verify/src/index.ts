// @evolflow/stage-verify: code answers run with their tests in a sandbox, math answers cross-checked by majority.
export { createVerifyStage as create, createVerifyStage, verifyCheck } from './handler.ts';
export type { VerifyStageOptions, VerifyStageHandler, VerifyCounts } from './handler.ts';
