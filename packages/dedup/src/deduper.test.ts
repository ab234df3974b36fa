import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeduper } from './deduper.ts';
import { fakeEmbedder } from './testing/fake-embedder.ts';
import type { KeptEntry } from './types.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'evolflow-dedup-'));

describe('exact mode', () => {
  it('keeps the first of normalised copies and names it', async () => {
    const d = await createDeduper({ mode: 'exact', threshold: 0.9, modelDir: 'unused' });
    expect(await d.decide('a', 'Write a poem about cats.')).toEqual({ duplicate: false, nearestId: null, similarity: 0, exact: false });
    expect(await d.decide('b', '  write a POEM about   cats ')).toEqual({ duplicate: true, nearestId: 'a', similarity: 1, exact: true });
    expect(await d.decide('c', 'Write a poem about dogs.')).toMatchObject({ duplicate: false });
    expect(d.size()).toBe(2);
  });

  it('is idempotent for a kept id and never rejects registered seeds', async () => {
    const d = await createDeduper({ mode: 'exact', threshold: 0.9, modelDir: 'unused' });
    await d.register('s1', 'Tell a joke');
    await d.register('s2', 'tell a joke!');
    expect(d.size()).toBe(2);
    expect(await d.decide('s1', 'Tell a joke')).toMatchObject({ duplicate: false });
    expect(await d.decide('x', 'TELL A JOKE')).toMatchObject({ duplicate: true, nearestId: 's1' });
  });

  it('snapshots and restores the hash set', async () => {
    const dir = tmp();
    const d = await createDeduper({ mode: 'exact', threshold: 0.9, modelDir: 'unused', snapshotDir: dir });
    for (let i = 0; i < 50; i++) await d.decide(`r${i}`, `instruction number ${i}`);
    await d.snapshot();
    await d.snapshot();
    expect(readdirSync(dir).sort()).toEqual(['snapshot.json', 'state-00000002.jsonl']);
    const e = await createDeduper({ mode: 'exact', threshold: 0.9, modelDir: 'unused', snapshotDir: dir });
    expect(e.size()).toBe(50);
    expect(await e.decide('again', 'Instruction number 7')).toMatchObject({ duplicate: true, nearestId: 'r7' });
  });
});

describe('semantic mode (fake embedder)', () => {
  const make = async (extra: { snapshotDir?: string } = {}) =>
    createDeduper({ mode: 'semantic', threshold: 0.8, modelDir: 'unused', embedder: fakeEmbedder(), batchSize: 8, ...extra });

  it('drops near-duplicates keep-first and reports the nearest kept record either way', async () => {
    const d = await make();
    expect(await d.decide('a', 'explain how photosynthesis works in plants')).toEqual({
      duplicate: false,
      nearestId: null,
      similarity: 0,
      exact: false,
    });
    const near = await d.decide('b', 'explain how photosynthesis works in green plants');
    expect(near).toMatchObject({ duplicate: true, nearestId: 'a', exact: false });
    expect(near.similarity).toBeGreaterThanOrEqual(0.8);
    const far = await d.decide('c', 'write a haiku about the sea at night');
    expect(far).toMatchObject({ duplicate: false, nearestId: 'a' });
    expect(far.similarity).toBeLessThan(0.8);
    expect(await d.decide('a', 'explain how photosynthesis works in plants')).toMatchObject({ duplicate: false, nearestId: 'c' });
    expect(d.size()).toBe(2);
  });

  it('decides concurrent calls as if in call order, with batched embedding', async () => {
    const embedder = fakeEmbedder();
    const d = await createDeduper({ mode: 'semantic', threshold: 0.97, modelDir: 'unused', embedder, batchSize: 16 });
    const texts = Array.from({ length: 64 }, (_, i) => `topic ${i % 20} question about item ${i % 20} please answer`);
    const results = await Promise.all(texts.map((t, i) => d.decide(`r${i}`, t)));
    // Each of the 20 topics is kept once, by its first id; the other 44 are exact copies of it.
    expect(results.filter((r) => !r.duplicate)).toHaveLength(20);
    results.forEach((r, i) => {
      if (i < 20) expect(r.duplicate).toBe(false);
      else expect(r).toMatchObject({ duplicate: true, exact: true, nearestId: `r${i % 20}` });
    });
    // Exact copies in flight share the embedding: only 20 texts were embedded, in batches of at most 16.
    expect(embedder.calls.reduce((a, b) => a + b, 0)).toBe(20);
    expect(Math.max(...embedder.calls)).toBeLessThanOrEqual(16);
  });

  it('keeps the first of two near-duplicates decided concurrently', async () => {
    const d = await make();
    const [first, second] = await Promise.all([
      d.decide('x1', 'how do I bake sourdough bread at home'),
      d.decide('x2', 'how do I bake sourdough bread at home quickly'),
    ]);
    expect(first?.duplicate).toBe(false);
    expect(second).toMatchObject({ duplicate: true, nearestId: 'x1' });
  });

  it('restarts from a snapshot plus changelog entries and decides the same way', async () => {
    const dir = tmp();
    const texts = Array.from({ length: 300 }, (_, i) => `request ${i % 150} about subject ${(i * 7) % 150} and ${i % 13}`);
    const reference = await make();
    const expected = [];
    for (const [i, t] of texts.entries()) expected.push((await reference.decide(`r${i}`, t)).duplicate);

    const before = await make({ snapshotDir: dir });
    const log: KeptEntry[] = [];
    before.onKept?.((e) => log.push(e));
    const got = [];
    for (const [i, t] of texts.slice(0, 100).entries()) got.push((await before.decide(`r${i}`, t)).duplicate);
    await before.snapshot();
    const atSnapshot = before.size();
    for (const [i, t] of texts.slice(100, 150).entries()) got.push((await before.decide(`r${i + 100}`, t)).duplicate);
    await before.close();

    const after = await make({ snapshotDir: dir });
    expect(after.size()).toBe(atSnapshot);
    await after.restore?.(log);
    expect(after.size()).toBe(before.size());
    for (const [i, t] of texts.slice(150).entries()) got.push((await after.decide(`r${i + 150}`, t)).duplicate);
    expect(got).toEqual(expected);
    expect(after.size()).toBe(reference.size());
  });

  it('lists every kept entry, vectors included, so a deduper rebuilt from them decides the same', async () => {
    const texts = Array.from({ length: 120 }, (_, i) => `question ${i % 40} on theme ${(i * 3) % 40}`);
    const d = await make();
    const logged: KeptEntry[] = [];
    d.onKept?.((e) => logged.push(e));
    for (const [i, t] of texts.slice(0, 60).entries()) await d.decide(`q${i}`, t);
    const listed = [...(d.entries?.() ?? [])];
    expect(listed.map((e) => e.id)).toEqual(logged.map((e) => e.id));
    listed.forEach((e, i) => {
      expect(e.hash).toBe(logged[i]?.hash);
      expect(e.vector).toHaveLength(logged[i]?.vector?.length ?? -1);
      (e.vector as Float32Array).forEach((x, j) => expect(x).toBeCloseTo((logged[i]?.vector as Float32Array)[j] as number, 6));
    });
    const rebuilt = await make();
    await rebuilt.restore?.(listed);
    for (const [i, t] of texts.slice(60).entries()) expect(await rebuilt.decide(`q${i + 60}`, t)).toEqual(await d.decide(`q${i + 60}`, t));
  });
});
