// The eliminate stage: cheap response rules first, then the response-format check, then the LLM
// equality judge (the only rule that costs tokens), then the optional difficulty judge.
import { rejectChild, taskText, type Emit, type EvolRecord, type StageEnv, type StageHandler } from '@evolflow/core';
import { createFormatChecker } from '@evolflow/validators';
import { difficultyJudgeMessages, parseDifficulty } from '@evolflow/mixer';
import { equalityJudgeMessages, judgedEqual, responseRules } from './rules.ts';

export async function createEliminateStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const { config } = env;
  const rules = config.eliminate;
  const checker = rules.responseFormatCheck ? await createFormatChecker({ extra: config.validate.validators, cwd: env.cwd }) : undefined;
  return {
    name: 'eliminate',
    async handle(record: EvolRecord): Promise<Emit[]> {
      const reject = (reason: string, detail: string, rec: EvolRecord = record) => rejectChild(rec, { stage: 'eliminate', reason, detail }, config.run.rounds);
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
          usage: { promptTokens: out.usage.promptTokens + c.promptTokens, completionTokens: out.usage.completionTokens + c.completionTokens, calls: out.usage.calls + 1 },
          calls: [...(out.calls ?? []), c.id],
        };
      };
      if (rules.judge && record.parent) {
        let answer;
        try {
          answer = await env.llm.complete('judge', equalityJudgeMessages(taskText(record.parent), taskText(record)), { recordId: record.id });
        } catch (err) {
          return reject('llm-error', (err as Error).message);
        }
        spend(answer);
        if (judgedEqual(answer.text)) return reject('no-information-gain', `the equality judge answered "${answer.text.trim().slice(0, 40)}"`, out);
      }
      if (rules.difficultyJudge) {
        try {
          const answer = await env.llm.complete('judge', difficultyJudgeMessages(record.instruction), { recordId: record.id });
          spend(answer);
          const difficulty = parseDifficulty(answer.text);
          if (difficulty !== null) out = { ...out, scores: { ...out.scores, difficulty } };
        } catch (err) {
          env.logger.warn(`difficulty judge failed for ${record.id}; keeping the record without a judged difficulty`, { recordId: record.id, error: (err as Error).message });
        }
      }
      return [{ topic: 'accepted', record: { ...out, checks: [...out.checks, { stage: 'eliminate', reason: 'ok' }] } }];
    },
  };
}
