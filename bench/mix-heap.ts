// Heap the mix stage holds per kept record in a finite run (issue 13): feed N evolved records of
// about 5.3 KB each (the soak's average size) plus N/4 seeds, force a collection, and divide the
// heap gained by the records kept, and (the slope, free of warm-up) the heap gained over the second
// half of the evolved records divided by their count. Then the same for the other state a run keeps
// per kept record by design, the exact dedup index (id and text hash of each), fed the same records.
// Run with --expose-gc. It prints the figures; it writes bench/results/<--name, default mix-heap>.json.
// Usage: node --expose-gc --import tsx bench/mix-heap.ts [--records 4000] [--name mix-heap]
import { parseArgs } from 'node:util';
import { childRecordId, DEFAULT_CONFIG, mergeDeep, seedRecordId, type Config, type EvolRecord } from '@evolflow/core';
import { createDeduper } from '@evolflow/dedup';
import { createMixStage } from '@evolflow/stage-mix';
import { tempDir, writeResults } from './support.ts';

const { values } = parseArgs({ options: { records: { type: 'string' }, name: { type: 'string' } } });
const n = Number(values.records ?? 4000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/mix-heap.ts');

const filler = (i: number, bytes: number) =>
  `step ${i}: ${'the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(bytes / 44))}`.slice(0, bytes);
const usage = { promptTokens: 100, completionTokens: 200, calls: 2 };
const seedCount = Math.max(1, Math.floor(n / 4));
const seed = (i: number): EvolRecord => {
  const id = seedRecordId('seeds.jsonl', i + 1, `seed ${i}`);
  return {
    id,
    seedId: id,
    parentId: null,
    round: 0,
    instruction: `seed ${i} ${filler(i, 300)}`,
    response: filler(i, 1200),
    lineage: [],
    checks: [],
    usage,
    source: { file: 'seeds.jsonl', line: i + 1, format: 'alpaca' },
  };
};
const evolvedOf = (i: number): EvolRecord => {
  const s = seed(i % seedCount);
  const round = 1 + Math.floor(i / seedCount);
  const id = childRecordId(s.id, round);
  return {
    ...s,
    id,
    parentId: s.id,
    round,
    strategy: 'deepening',
    instruction: `evolved ${i} ${filler(i, 800)}`,
    response: filler(i, 3500),
    lineage: [{ id, round, strategy: 'deepening' }],
    checks: [{ stage: 'validate', reason: 'ok' } as never],
    scores: { difficulty: (i % 10) + 1, quality: 8 },
    calls: [`c-${i}-1`, `c-${i}-2`],
    parent: { id: s.id, instruction: s.instruction } as never,
    source: undefined as never,
  };
};

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// The exact dedup index on the same records (the default dedup mode: no vectors).
const deduper = await createDeduper({ mode: 'exact', threshold: 0.9, modelDir: '' });
const dedupBefore = heap();
for (let i = 0; i < seedCount; i++) await deduper.register(seed(i).id, seed(i).instruction);
let dedupHalf = 0;
for (let i = 0; i < n; i++) {
  if (i === Math.floor(n / 2)) dedupHalf = heap();
  await deduper.decide(evolvedOf(i).id, evolvedOf(i).instruction);
}
const dedupAfter = heap();
const dedupKept = deduper.size();
await deduper.close();

const config: Config = mergeDeep(structuredClone(DEFAULT_CONFIG), { mix: { batchSize: 32 } });
const stage = await createMixStage({ config, outDir: tempDir('mix-heap') });
const before = heap();
let bytes = 0;
let half = 0;
for (let i = 0; i < seedCount; i++) await stage.handle(seed(i), undefined, 'replay');
for (let i = 0; i < n; i++) {
  if (i === Math.floor(n / 2)) half = heap();
  const r = evolvedOf(i);
  bytes += Buffer.byteLength(JSON.stringify(r));
  await stage.handle(r, undefined, 'unique');
}
const after = heap();
const kept = n + seedCount;
await stage.flush?.(undefined);
await stage.close();

writeResults(values.name ?? 'mix-heap', {
  command: `node --expose-gc --import tsx bench/mix-heap.ts --records ${n}`,
  evolved: n,
  seeds: seedCount,
  kept,
  avgEvolvedRecordBytes: Math.round(bytes / n),
  heapGainedMB: Math.round(((after - before) / 2 ** 20) * 10) / 10,
  heapBytesPerKeptRecord: Math.round((after - before) / kept),
  heapBytesPerEvolvedSecondHalf: Math.round((after - half) / (n - Math.floor(n / 2))),
  dedupExact: {
    kept: dedupKept,
    heapGainedMB: Math.round(((dedupAfter - dedupBefore) / 2 ** 20) * 10) / 10,
    heapBytesPerKeptRecord: Math.round((dedupAfter - dedupBefore) / dedupKept),
    heapBytesPerEvolvedSecondHalf: Math.round((dedupAfter - dedupHalf) / (n - Math.floor(n / 2))),
  },
});
