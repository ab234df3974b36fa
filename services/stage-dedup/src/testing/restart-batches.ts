// The records of the dedup restart tests (stage unit test and the Kafka one): 1,000 evolutions made
// from STS-B dev sentences, then 1,000 more: 500 repeats of the first batch (every other one re-cased
// and re-spaced) between 500 new sentences. Even positions of `second` are the repeats.
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { readStsPairs } from '@evolflow/dedup';

function evolved(text: string, n: number): EvolRecord {
  const seedId = seedRecordId('stsb-sts-dev.csv', n, `seed ${n}`);
  const id = childRecordId(seedId, 1);
  return {
    id,
    seedId,
    parentId: seedId,
    round: 1,
    strategy: 'deepening',
    instruction: text,
    response: 'An answer.',
    lineage: [{ id, round: 1, strategy: 'deepening' }],
    checks: [],
    usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
  };
}

export function restartBatches(stsFile: string): { first: EvolRecord[]; second: EvolRecord[] } {
  const sentences = readStsPairs(stsFile).flatMap((p) => [p.a, p.b]);
  const first = sentences.slice(0, 1000).map((t, i) => evolved(t, i + 1));
  const second = first
    .filter((_, i) => i % 2 === 0)
    .flatMap((r, i) => [
      evolved(i % 2 === 0 ? r.instruction : `  ${r.instruction.toUpperCase()} `, 2001 + i),
      evolved(sentences[1000 + i] as string, 3001 + i),
    ]);
  return { first, second };
}
