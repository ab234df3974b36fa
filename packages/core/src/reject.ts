// Rejecting an evolution, the one way every stage does it: the child to `rejected` with its check,
// its parent back to `pool` while rounds remain. Kept out of contracts.ts so the plugin entry
// (./plugin.ts), which loads contracts.ts, never loads the record schema and ajv.
import type { Emit } from './contracts.ts';
import type { StageName } from './manifest.ts';
import { requeueParent, type EvolRecord, type ReasonCode } from './record.ts';

/**
 * Reject an evolution: the child goes to `rejected` with its reason (also appended to `checks`),
 * and its parent goes back to `pool` for the next round while rounds remain (the paper's pool).
 */
export function rejectChild(
  child: EvolRecord,
  rejection: { stage: StageName; reason: ReasonCode | (string & {}); detail?: string },
  maxRounds: number,
): Emit[] {
  const check =
    rejection.detail === undefined
      ? { stage: rejection.stage, reason: rejection.reason }
      : { stage: rejection.stage, reason: rejection.reason, detail: rejection.detail };
  const rejected: EvolRecord = { ...child, checks: [...child.checks, check], rejection: { ...check } };
  const emits: Emit[] = [{ topic: 'rejected', record: rejected }];
  const parent = requeueParent(child, maxRounds);
  if (parent) emits.push({ topic: 'pool', record: parent });
  return emits;
}
