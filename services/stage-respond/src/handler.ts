// The respond stage: a fresh response to the evolved instruction, never the parent's.
import { isCancelled, rejectChild, type ChatMessage, type Emit, type EvolRecord, type StageEnv, type StageHandler } from '@evolflow/core';

/** The responder's messages: the instruction as the user's turn, with its input when there is one. */
export function responderMessages(record: Pick<EvolRecord, 'instruction' | 'input'>): ChatMessage[] {
  const content = record.input === undefined ? record.instruction : `${record.instruction}\n\nInput:\n${record.input}`;
  return [{ role: 'user', content }];
}

export async function createRespondStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const maxRounds = env.config.run.rounds;
  return {
    name: 'respond',
    async handle(record: EvolRecord): Promise<Emit[]> {
      let completion;
      try {
        completion = await env.llm.complete('responder', responderMessages(record), { recordId: record.id });
      } catch (err) {
        // A stop cancelled the call: no reject; runStage leaves the record for a resume.
        if (isCancelled(err)) throw err;
        return rejectChild(record, { stage: 'respond', reason: 'llm-error', detail: (err as Error).message }, maxRounds);
      }
      const usage = {
        promptTokens: record.usage.promptTokens + completion.promptTokens,
        completionTokens: record.usage.completionTokens + completion.completionTokens,
        calls: record.usage.calls + 1,
      };
      const answered: EvolRecord = { ...record, response: completion.text, usage, calls: [...(record.calls ?? []), completion.id] };
      // A response cut at maxTokens ends mid-sentence (or mid-loop): never a training target.
      if (completion.finishReason === 'length') {
        const { maxTokens } = env.config.llm.roles.responder;
        const detail = `the responder's answer was cut at llm.roles.responder.maxTokens = ${maxTokens} tokens (finish_reason "length"); raise llm.roles.responder.maxTokens to let it finish`;
        return rejectChild(answered, { stage: 'respond', reason: 'truncated', detail }, maxRounds);
      }
      return [{ topic: 'responded', record: { ...answered, checks: [...record.checks, { stage: 'respond', reason: 'ok' }] } }];
    },
  };
}
