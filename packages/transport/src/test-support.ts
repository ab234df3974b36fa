// Test helpers shared by this package's tests. Not exported from the package.
import { zeroUsage, type EvolRecord } from '@evolflow/core';

/** A minimal valid seed record with id `id` (its instruction names it), with `extra` fields over it. */
export const rec = (id: string, extra: Partial<EvolRecord> = {}): EvolRecord => ({
  id,
  seedId: id,
  parentId: null,
  round: 0,
  instruction: `instruction ${id}`,
  lineage: [],
  checks: [],
  usage: zeroUsage(),
  ...extra,
});
