// The eliminate stage: cheap response rules first, then the response-format check, then the LLM
// equality judge (the only rule that costs tokens), then the optional difficulty judge.
import {
  isCancelled,
  rejectChild,
  taskText,
  type Check,
  type Emit,
  type EvolRecord,
  type LlmCompletion,
  type StageEnv,
  type StageHandler,
} from '@evolflow/core';
import {
  difficultyJudgeMessages,
  equalityJudgeMessages,
  equalityJudgeRetryMessages,
  JUDGE_ANSWER_CHARS,
  parseDifficulty,
  parseVerdict,
} from '@evolflow/judge';
import { createFormatChecker } from '@evolflow/validators';
import { responseRules } from './rules.ts';

/** What the equality judge said, as stored on the record's eliminate check. */
type JudgeFields = Required<Pick<Check, 'verdict' | 'answer'>>;

/** `emits` with the judge's verdict and answer added to the rejected record's last check (rejectChild writes the check). */
function withJudge(emits: Emit[], judged: JudgeFields): Emit[] {
  return emits.map((e) => {
    if (e.topic !== 'rejected') return e;
    const last = e.record.checks.at(-1);
    return last ? { ...e, record: { ...e.record, checks: [...e.record.checks.slice(0, -1), { ...last, ...judged }] } } : e;
  });
}

const quote = (text: string) => JSON.stringify(text.trim().slice(0, 60));

export async function createEliminateStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const { config } = env;
  const rules = config.eliminate;
  const { sqlDialect } = config.validate;
  const checker = rules.responseFormatCheck
    ? await createFormatChecker({ extra: config.validate.validators, cwd: env.cwd, ...(sqlDialect === 'auto' ? {} : { sqlDialect }) })
    : undefined;
  return {
    name: 'eliminate',
    async handle(record: EvolRecord): Promise<Emit[]> {
      const reject = (reason: string, detail: string, rec: EvolRecord = record) =>
        rejectChild(rec, { stage: 'eliminate', reason, detail }, config.run.rounds);
      const response = record.response ?? '';
      const verdict = responseRules(response, rules);
      if (verdict) return reject(verdict.reason, verdict.detail);
      if (checker) {
        const report = await checker.checkResponse(record.instruction, response);
        if (!report.ok) return reject(report.reason ?? 'invalid-response-format', `response: ${report.detail ?? 'format check failed'}`);
      }
      let out: EvolRecord = record;
      const spend = (c: { id: string; promptTokens: number; completionTokens: number }) => {
        out = {
          ...out,
          usage: {
            promptTokens: out.usage.promptTokens + c.promptTokens,
            completionTokens: out.usage.completionTokens + c.completionTokens,
            calls: out.usage.calls + 1,
          },
          calls: [...(out.calls ?? []), c.id],
        };
      };
      let judged: JudgeFields | undefined;
      let keptNote: string | undefined;
      if (rules.judge && record.parent) {
        const first = taskText(record.parent);
        const second = taskText(record);
        let answer: LlmCompletion;
        try {
          answer = await env.llm.complete('judge', equalityJudgeMessages(first, second), { recordId: record.id });
          spend(answer);
          // No verdict: ask once more (a different request, so the response cache cannot repeat the answer).
          if (parseVerdict(answer.text) === 'none') {
            answer = await env.llm.complete('judge', equalityJudgeRetryMessages(first, second), { recordId: record.id });
            spend(answer);
          }
        } catch (err) {
          // A stop cancelled the call: no reject; runStage leaves the record for a resume.
          if (isCancelled(err)) throw err;
          return reject('llm-error', (err as Error).message, out);
        }
        // Cut by code points, as the record schema counts them (never half a surrogate pair).
        judged = { verdict: parseVerdict(answer.text), answer: [...answer.text].slice(0, JUDGE_ANSWER_CHARS).join('') };
        if (judged.verdict === 'equal') {
          return withJudge(reject('no-information-gain', `the equality judge answered ${quote(answer.text)}`, out), judged);
        }
        if (judged.verdict === 'none') {
          if (!rules.keepOnNoVerdict) {
            return withJudge(
              reject(
                'no-verdict',
                `the equality judge gave no Equal / Not Equal verdict when asked twice (last answer ${quote(answer.text)}); set eliminate.keepOnNoVerdict: true to keep such evolutions`,
                out,
              ),
              judged,
            );
          }
          keptNote = 'no Equal / Not Equal verdict when asked twice; kept because eliminate.keepOnNoVerdict is true';
        }
      }
      if (rules.difficultyJudge) {
        try {
          const answer = await env.llm.complete('judge', difficultyJudgeMessages(record.instruction), { recordId: record.id });
          spend(answer);
          const difficulty = parseDifficulty(answer.text);
          if (difficulty !== null) out = { ...out, scores: { ...out.scores, difficulty } };
        } catch (err) {
          // Cancelled by a stop: not kept without its difficulty, but left for a resume.
          if (isCancelled(err)) throw err;
          env.logger.warn(`difficulty judge failed for ${record.id}; keeping the record without a judged difficulty`, {
            recordId: record.id,
            error: (err as Error).message,
          });
        }
      }
      const check: Check = { stage: 'eliminate', reason: 'ok', ...(keptNote === undefined ? {} : { detail: keptNote }), ...judged };
      return [{ topic: 'accepted', record: { ...out, checks: [...out.checks, check] } }];
    },
  };
}
