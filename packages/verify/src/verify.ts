// The verifier: what the verify stage and `evolflow verify` decide about one instruction and its
// response. Code answers (fenced Python / JavaScript) run with their tests in the sandbox; math
// answers are cross-checked against `math.samples` more responses from the responder; anything
// else passes untouched. One object per process, built once: it owns the sandbox and its limits.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { EvolflowError, type ChatMessage, type Config, type LlmCaller, type LlmCompletion } from '@evolflow/core';
import { checkCode, codeBlocks, hasTests, type CodeVerdict } from './code.ts';
import { judgeMath as defaultJudgeMath, looksLikeMath as defaultLooksLikeMath, type MathVerdict } from './math.ts';
import { createSandbox, type Sandbox, type SandboxLanguage } from './sandbox.ts';

/** The reason codes of the verify stage (`ok` when kept). */
export type VerifyReason = 'ok' | 'code-error' | 'code-timeout' | 'no-consensus' | 'no-answer';

/** What was decided about one response. */
export interface Verification {
  reason: VerifyReason;
  /** What was checked: `python`, `javascript`, `python+javascript`, `math`, or `none`. */
  verified: string;
  /** One line: how it was checked and, for a reject, the first error line or the votes. */
  detail: string;
  /** The LLM calls it made (math samples, asked-for tests), for the record's usage and calls. */
  completions: LlmCompletion[];
  /** Per language, when code ran. */
  code?: CodeVerdict[];
  math?: MathVerdict;
}

/** What is verified: the task and the response to it. */
export interface VerifyInput {
  /** For LLM cache keys and logs: one id per attempt (the record id). */
  id: string;
  instruction: string;
  input?: string | undefined;
  response: string;
}

export interface VerifierOptions {
  config: Readonly<Config['verify']>;
  /** The responder, for math samples and asked-for tests; absent: math is not checked (and says so), code runs with the tests it has. */
  llm?: LlmCaller;
  /** A sandbox to use instead of building one (tests). */
  sandbox?: Sandbox;
  /** The math judge and detector (default: this package's `judgeMath` and `looksLikeMath`). */
  judgeMath?: (response: string, samples: readonly string[]) => MathVerdict;
  looksLikeMath?: (instruction: string, response?: string) => boolean;
}

export interface Verifier {
  verify(item: VerifyInput): Promise<Verification>;
  /** With `verify.code.enabled: auto` and no working sandbox here: why code answers are not run (said once at startup). */
  readonly codeUnavailable?: string;
  /** The sandbox's tools, when code is checked. */
  readonly sandbox?: Sandbox;
}

/**
 * The responder's messages for a task: the same as the respond stage sends
 * (services/stage-respond `responderMessages`), so a math sample answers the very same question.
 */
export function taskMessages(item: Pick<VerifyInput, 'instruction' | 'input'>): ChatMessage[] {
  const content = item.input === undefined ? item.instruction : `${item.instruction}\n\nInput:\n${item.input}`;
  return [{ role: 'user', content }];
}

/** The second call when a code answer has no tests of its own: tests only, in one fenced block. */
export function testsRequest(language: SandboxLanguage, item: Pick<VerifyInput, 'instruction' | 'input'>, code: string): ChatMessage[] {
  const how =
    language === 'python'
      ? 'plain `assert` statements (no test framework), after `from solution import ...` of the names you test'
      : "`const assert = require('node:assert');` and `assert.strictEqual` / `assert.deepStrictEqual` calls (no test framework)";
  const fence = language === 'python' ? 'python' : 'javascript';
  return [
    {
      role: 'user',
      content:
        `Task:\n${taskMessages(item)[0]?.content ?? ''}\n\nSolution:\n\`\`\`${fence}\n${code}\n\`\`\`\n\n` +
        `Write 3 to 5 tests that check this solution does what the task asks, using ${how}. ` +
        `Answer with the tests only, in one \`\`\`${fence} block; do not repeat the solution.`,
    },
  ];
}

/** A seed (31 bits) for one math sample, from its id: the same sample gets the same seed on a replay. */
export function sampleSeed(sampleId: string): number {
  return createHash('sha256').update(sampleId).digest().readUInt32BE(0) >>> 1;
}

/** A counting semaphore: at most `n` sandboxes at once (each is a process tree). */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Build the verifier. Unless `config.code.enabled` is false the sandbox is built and probed now.
 * Without bubblewrap (or a working interpreter), `true` throws a `config` error naming what is
 * missing, so a stage fails at startup; `auto` records why in `codeUnavailable` and keeps code
 * answers unchecked. Either way code never runs outside the sandbox.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const { config, llm } = options;
  const judgeMath = options.judgeMath ?? defaultJudgeMath;
  const looksLikeMath = options.looksLikeMath ?? defaultLooksLikeMath;
  const code = config.code;
  let sandbox: Sandbox | undefined;
  let codeUnavailable: string | undefined;
  if (code.enabled !== false && code.languages.length > 0) {
    try {
      sandbox = options.sandbox ?? (await createSandbox({ ...code, languages: code.languages }));
    } catch (error) {
      if (code.enabled === true || !(error instanceof EvolflowError) || error.code !== 'config') throw error;
      codeUnavailable = error.message;
    }
  }
  const slot = limiter(code.parallel > 0 ? code.parallel : availableParallelism());

  const askTests = async (
    item: VerifyInput,
    { language, program }: { language: SandboxLanguage; program: string },
    completions: LlmCompletion[],
  ): Promise<string | undefined> => {
    if (!llm || !code.askTests) return undefined;
    const answer = await llm.complete('responder', testsRequest(language, item, program), { recordId: `${item.id}~tests-${language}` });
    completions.push(answer);
    const block = codeBlocks(answer.text).find((b) => b.language === language);
    return block && hasTests(language, block.text) ? block.text : undefined;
  };

  const verifyCode = async (item: VerifyInput, completions: LlmCompletion[]): Promise<Verification | undefined> => {
    if (!sandbox && codeUnavailable === undefined) return undefined;
    const blocks = codeBlocks(item.response).filter((b) => code.languages.includes(b.language));
    if (blocks.length === 0) return undefined;
    if (!sandbox)
      return {
        reason: 'ok',
        verified: 'none',
        detail: 'code: not run (no sandbox here: verify.code.enabled is auto and bubblewrap is missing or does not work)',
        completions,
      };
    const extraTests: Partial<Record<SandboxLanguage, string>> = {};
    for (const language of code.languages) {
      const program = blocks
        .filter((b) => b.language === language)
        .map((b) => b.text)
        .join('\n\n');
      if (program === '' || hasTests(language, program)) continue;
      const tests = await askTests(item, { language, program }, completions);
      if (tests !== undefined) extraTests[language] = tests;
    }
    const verdicts = await slot(() => checkCode(blocks, { sandbox, limits: code, extraTests }));
    // A program that could not be judged here (a package the sandbox lacks) counts as not verified, and so does one that
    // only ran without error with no tests to hold it to (none in the answer, none from the second call): it is kept,
    // as any unchecked answer is, but never counted as a verified one. A failure is a verdict with or without tests.
    const judged = (v: CodeVerdict) =>
      v.reason === 'code-error' || v.reason === 'code-timeout' || (v.reason === 'ok' && v.tests !== 'none');
    const verified =
      verdicts
        .filter(judged)
        .map((v) => v.language)
        .sort()
        .join('+') || 'none';
    const failed = verdicts.find((v) => v.reason === 'code-error' || v.reason === 'code-timeout');
    const detail = verdicts.map((v) => v.detail).join('; ');
    return { reason: failed ? (failed.reason as VerifyReason) : 'ok', verified, detail, completions, code: verdicts };
  };

  const verifyMath = async (item: VerifyInput, completions: LlmCompletion[]): Promise<Verification | undefined> => {
    if (!config.math.enabled) return undefined;
    const task = item.input ? `${item.instruction}\n\n${item.input}` : item.instruction;
    if (!looksLikeMath(task, item.response)) return undefined;
    if (!llm) return { reason: 'ok', verified: 'none', detail: 'math: not checked (no LLM to sample from)', completions };
    const samples: string[] = [];
    for (let i = 1; i <= config.math.samples; i++) {
      // The sample number is in the record id the cache keys on, and each sample sends its own seed: an endpoint that derives
      // its seed from the request (llama.cpp, evolflow's local server) would otherwise answer k identical requests with one answer k times.
      const sampleId = `${item.id}~math-${i}`;
      const answer = await llm.complete('responder', taskMessages(item), {
        recordId: sampleId,
        temperature: config.math.temperature,
        seed: sampleSeed(sampleId),
      });
      completions.push(answer);
      samples.push(answer.text);
    }
    const verdict = judgeMath(item.response, samples);
    const how = `math: ${config.math.samples} samples at temperature ${config.math.temperature}`;
    if (verdict.ok) return { reason: 'ok', verified: 'math', detail: `${how}: ${verdict.detail}`, completions, math: verdict };
    return { reason: verdict.reason ?? 'no-consensus', verified: 'math', detail: `${how}: ${verdict.detail}`, completions, math: verdict };
  };

  return {
    ...(sandbox ? { sandbox } : {}),
    ...(codeUnavailable !== undefined ? { codeUnavailable } : {}),
    async verify(item) {
      if (!config.enabled) return { reason: 'ok', verified: 'none', detail: 'verify.enabled is false', completions: [] };
      const completions: LlmCompletion[] = [];
      const byCode = await verifyCode(item, completions);
      if (byCode) return byCode;
      const byMath = await verifyMath(item, completions);
      if (byMath) return byMath;
      return { reason: 'ok', verified: 'none', detail: 'nothing to run or cross-check', completions };
    },
  };
}
