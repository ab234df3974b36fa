// The verify stage: between respond and eliminate, a response is checked for being right, not only
// well formed. Code answers run with their tests in the sandbox (`code-error`, `code-timeout`),
// math answers are cross-checked by k more samples (`no-consensus`, `no-answer`), anything else
// passes untouched. What was checked and how goes on the record's verify check.
import { isCancelled, rejectChild, type Check, type Emit, type EvolRecord, type StageEnv, type StageHandler } from '@evolflow/core';
import { createVerifier, type Verification, type VerifierOptions } from '@evolflow/verify';

/** Verdicts so far: what was checked (`python`, `math`, `none`...) -> reason (`ok`, `code-error`...) -> count. */
export type VerifyCounts = Record<string, Record<string, number>>;

/** The verify stage's handler, with the verdicts it has given (for run.json). */
export interface VerifyStageHandler extends StageHandler<unknown> {
  counts(): VerifyCounts;
}

/** Test seams: a sandbox, math judge or detector instead of the real ones. */
export type VerifyStageOptions = Pick<VerifierOptions, 'sandbox' | 'judgeMath' | 'looksLikeMath'>;

/** The check the stage writes for a verification. */
export function verifyCheck(v: Pick<Verification, 'reason' | 'verified' | 'detail'>): Check {
  return { stage: 'verify', reason: v.reason, verified: v.verified, detail: v.detail };
}

export async function createVerifyStage(env: StageEnv, options: VerifyStageOptions = {}): Promise<VerifyStageHandler> {
  const { config } = env;
  const verifier = await createVerifier({ config: config.verify, llm: env.llm, ...options });
  if (verifier.codeUnavailable !== undefined) {
    env.logger.warn(
      `verify: code answers will NOT be run, and are kept unchecked: ${verifier.codeUnavailable} (verify.code.enabled: true makes this an error)`,
    );
  }
  const counts: VerifyCounts = {};
  const count = (verified: string, reason: string) => {
    const slot = (counts[verified] ??= {});
    slot[reason] = (slot[reason] ?? 0) + 1;
  };
  return {
    name: 'verify',
    counts: () => structuredClone(counts),
    async handle(record: EvolRecord): Promise<Emit[]> {
      let v: Verification;
      try {
        v = await verifier.verify({ id: record.id, instruction: record.instruction, input: record.input, response: record.response ?? '' });
      } catch (err) {
        // A stop cancelled the call: no reject; runStage leaves the record for a resume.
        if (isCancelled(err)) throw err;
        // The responder failed for a math sample or the asked-for tests (after the client's retries).
        count('none', 'llm-error');
        return rejectChild(record, { stage: 'verify', reason: 'llm-error', detail: (err as Error).message }, config.run.rounds);
      }
      count(v.verified, v.reason);
      let out: EvolRecord = record;
      if (v.completions.length > 0) {
        const spent = v.completions.reduce(
          (u, c) => ({
            promptTokens: u.promptTokens + c.promptTokens,
            completionTokens: u.completionTokens + c.completionTokens,
            calls: u.calls + 1,
          }),
          record.usage,
        );
        // Their tokens count in usage; their ids stay off `calls`, which lists the completions whose text the record
        // holds (a fault the simulator injects into a math sample is not a fault of the response).
        out = { ...record, usage: spent };
      }
      if (v.reason === 'ok') return [{ topic: 'verified', record: { ...out, checks: [...out.checks, verifyCheck(v)] } }];
      const emits = rejectChild(out, { stage: 'verify', reason: v.reason, detail: v.detail }, config.run.rounds);
      // rejectChild writes the check; add what was verified to it.
      return emits.map((e) => {
        if (e.topic !== 'rejected') return e;
        const last = e.record.checks.at(-1);
        return last ? { ...e, record: { ...e.record, checks: [...e.record.checks.slice(0, -1), { ...last, verified: v.verified }] } } : e;
      });
    },
  };
}
