// The seed stage handler: a round-0 record from the seeds topic goes to pool and replay; a line the
// seed file reader rejected (published by SeedFeed with its reason) goes to rejected.
import { type Emit, type EvolRecord, type StageEnv, type StageHandler } from '@evolflow/core';
import { seedItem } from './seed-file.ts';

/** Build the seed stage. Records on `seeds` come from the seed file reader or from any producer. */
export async function createSeedStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const rounds = env.config.run.rounds;
  return {
    name: 'seed',
    handle(record: EvolRecord): Emit[] {
      if (record.rejection) {
        env.logger.warn(`seed rejected: ${record.rejection.detail ?? record.rejection.reason}`, { recordId: record.id });
        return [{ topic: 'rejected', record: { ...record } }];
      }
      // Re-check what foreign producers sent (files were checked by the reader already).
      const where = { file: record.source?.file ?? 'topic:seeds', line: record.source?.line ?? 0 };
      const item = seedItem({ instruction: record.instruction, input: record.input, output: record.response }, where, 65_536);
      if (item.kind === 'reject')
        return [
          {
            topic: 'rejected',
            record: { ...record, checks: item.record.checks, rejection: item.record.rejection as NonNullable<EvolRecord['rejection']> },
          },
        ];
      const seed: EvolRecord = {
        ...record,
        round: 0,
        parentId: null,
        seedId: record.id,
        lineage: [],
        checks: [...record.checks, { stage: 'seed', reason: 'ok' }],
      };
      const emits: Emit[] = [{ topic: 'replay', record: seed }];
      if (rounds > 0) emits.push({ topic: 'pool', record: { ...seed, nextRound: 1 } });
      return emits;
    },
  };
}
