// Restart with the real model: 1,000 records, stop, restart from the snapshot (or from the changelog
// entries), 1,000 more including repeats of the first batch; every decision matches a run without restart.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { stsbDevPath } from '@evolflow/testdata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStsPairs } from './calibration.ts';
import { createDeduper } from './deduper.ts';
import { createEmbedder } from './embedder.ts';
import { pullModel } from './models.ts';
import { MODEL_DIR } from './testing/model-dir.ts';
import type { DedupDecision, Deduper, DeduperOptions, Embedder, KeptEntry } from './types.ts';

const STS = stsbDevPath;
const sentences = readStsPairs(STS).flatMap((p) => [p.a, p.b]);
const first = sentences.slice(0, 1000).map((text, i) => ({ id: `a${i}`, text }));
// 500 repeats of the first batch (every other one re-cased and re-spaced) and 500 new sentences.
const repeats = first
  .filter((_, i) => i % 2 === 0)
  .map((r, i) => ({ id: `rep${i}`, text: i % 2 === 0 ? r.text : `  ${r.text.toUpperCase()} ` }));
const fresh = sentences.slice(1000, 1500).map((text, i) => ({ id: `b${i}`, text }));
const second = repeats.flatMap((r, i) => [r, fresh[i] as { id: string; text: string }]);

let embedder: Embedder;
const options = (extra: Partial<DeduperOptions> = {}): DeduperOptions => ({
  mode: 'semantic',
  threshold: DEFAULT_CONFIG.dedup.threshold,
  modelDir: MODEL_DIR,
  embedder,
  ...extra,
});
/** Decide with up to 64 in flight, as the dedup stage does. */
async function feed(d: Deduper, records: { id: string; text: string }[]): Promise<DedupDecision[]> {
  const out: DedupDecision[] = [];
  for (let i = 0; i < records.length; i += 64)
    out.push(...(await Promise.all(records.slice(i, i + 64).map((r) => d.decide(r.id, r.text)))));
  return out;
}
const dropped = (ds: DedupDecision[]) => ds.filter((d) => d.duplicate).length;

describe('restart with the real model', () => {
  let expected: DedupDecision[];
  let firstKept: number;
  let log: KeptEntry[];
  let snapshotDir: string;

  beforeAll(async () => {
    await pullModel({ modelDir: MODEL_DIR, sources: ['maven'] });
    embedder = await createEmbedder({ modelDir: MODEL_DIR });
    const reference = await createDeduper(options());
    const one = await feed(reference, first);
    firstKept = reference.size();
    expected = await feed(reference, second);
    expect(first.length - dropped(one)).toBe(firstKept);

    snapshotDir = mkdtempSync(join(tmpdir(), 'evolflow-dedup-restart-'));
    const before = await createDeduper(options({ snapshotDir }));
    log = [];
    before.onKept?.((e) => log.push(e));
    expect(await feed(before, first)).toEqual(one);
    await before.snapshot();
    await before.close();
  }, 300_000);
  afterAll(() => embedder?.close());

  it('drops every repeat of the first batch after a restart from the snapshot', async () => {
    const after = await createDeduper(options({ snapshotDir }));
    expect(after.size()).toBe(firstKept);
    const got = await feed(after, second);
    got.forEach((d, i) => second[i]?.id.startsWith('rep') && expect(d.duplicate).toBe(true));
    expect(got).toEqual(expected);
    console.log(
      `second batch: ${dropped(got)} of ${second.length} dropped (${got.filter((d, i) => second[i]?.id.startsWith('rep') && d.exact).length} of the 500 repeats by exact hash), kept total ${after.size()}`,
    );
  }, 120_000);

  it('decides the same after rebuilding from the changelog entries alone', async () => {
    expect(log).toHaveLength(firstKept);
    const rebuilt = await createDeduper(options());
    await rebuilt.restore?.(log);
    expect(rebuilt.size()).toBe(firstKept);
    expect(await feed(rebuilt, second)).toEqual(expected);
  }, 120_000);
});
