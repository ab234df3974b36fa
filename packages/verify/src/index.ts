// @evolflow/verify: checks of a response's correctness (code run with tests in a sandbox, math cross-checked).
export { looksLikeMath, extractFinalAnswer, normaliseAnswer, judgeMath } from './math.ts';
export type { MathVerdict } from './math.ts';
export { createSandbox, bwrapAvailable, findExecutable, parseTimes, SANDBOX_DIR, NODE_RESERVE_MB } from './sandbox.ts';
export type { Sandbox, SandboxLanguage, SandboxLimits, SandboxOptions, SandboxProgram, SandboxResult } from './sandbox.ts';
export { codeBlocks, hasTests, checkCode, firstErrorLine, programFiles } from './code.ts';
export type { CodeBlock, CodeVerdict, CheckCodeOptions } from './code.ts';
export { createVerifier, sampleSeed, taskMessages, testsRequest } from './verify.ts';
export type { Verification, VerifyInput, VerifyReason, Verifier, VerifierOptions } from './verify.ts';
