import { describe, expect, it } from 'vitest';
import { seededRandom, type EvolRecord } from '@evolflow/core';
import { createStreamMixer, levelOf, planBatches, type Batch, type BatchOptions } from './batching.ts';
import { evolvedFrom, selfInstructSeeds } from './test-records.ts';

const seeds = selfInstructSeeds();
const evolved = evolvedFrom(seeds, 4); // 700 evolved records
const base: BatchOptions = { replayShare: 0.2, replayCount: 0, batchSize: 64, order: 'curriculum', stratify: false, seed: 42 };

const seedCount = (b: Batch) => b.records.filter((r) => r.batch?.replay).length;
const evolvedOf = (b: Batch) => b.records.filter((r) => !r.batch?.replay);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const shuffled = <T>(xs: readonly T[], key: string) => {
  const r = seededRandom(key);
  return [...xs]
    .map((x) => ({ x, k: r() }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.x);
};

describe('planBatches', () => {
  it('keeps the seed share of every batch within one record of the configured share, and of the whole set', () => {
    for (const replayShare of [0.2, 0.1, 0.35]) {
      for (const batchSize of [64, 10, 7]) {
        const batches = planBatches({ evolved, seeds, options: { ...base, replayShare, batchSize } });
        for (const b of batches) expect(Math.abs(seedCount(b) - replayShare * b.records.length)).toBeLessThanOrEqual(1);
        const all = batches.flatMap((b) => b.records);
        const replayed = all.filter((r) => r.batch?.replay).length;
        expect(all.length - replayed).toBe(700);
        expect(Math.abs(replayed - replayShare * all.length)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('makes full batches of the configured size and stamps every record with its batch', () => {
    const batches = planBatches({ evolved, seeds, options: base });
    // 700 evolved at a 0.2 share make 875 records: 13 full batches of 64 and one of 43.
    expect(batches.map((b) => b.records.length)).toEqual([...Array(13).fill(64), 43]);
    for (const b of batches) {
      b.records.forEach((r, position) => expect(r.batch).toMatchObject({ index: b.index, position, size: b.records.length }));
    }
  });

  it('draws no seed twice before every seed has been used, then flags the repeats', () => {
    // 700 evolved at a 0.35 share need 377 seeds: the 175 seeds twice over, and 27 more.
    const batches = planBatches({ evolved, seeds, options: { ...base, replayShare: 0.35 } });
    const draws = batches.flatMap((b) => b.records.filter((r) => r.batch?.replay));
    expect(draws.length).toBe(377);
    const firstPass = draws.slice(0, 175);
    expect(new Set(firstPass.map((r) => r.id)).size).toBe(175);
    expect(firstPass.every((r) => r.batch?.repeated === undefined)).toBe(true);
    expect(draws.slice(175).every((r) => r.batch?.repeated === true)).toBe(true);
    // Enough seeds: nothing repeats at all.
    const few = planBatches({ evolved: evolved.slice(0, 200), seeds, options: base }).flatMap((b) =>
      b.records.filter((r) => r.batch?.replay),
    );
    expect(few.length).toBe(50);
    expect(new Set(few.map((r) => r.id)).size).toBe(50);
    expect(few.some((r) => r.batch?.repeated)).toBe(false);
  });

  it('orders batches easy to hard in curriculum order: batch difficulty never decreases', () => {
    const batches = planBatches({ evolved, seeds, options: base });
    const levels = batches.map((b) => evolvedOf(b).map(levelOf));
    for (let i = 1; i < levels.length; i++) {
      expect(mean(levels[i] as number[])).toBeGreaterThanOrEqual(mean(levels[i - 1] as number[]));
      expect(Math.min(...(levels[i] as number[]))).toBeGreaterThanOrEqual(Math.max(...(levels[i - 1] as number[])));
    }
    // Inside a batch too, and with the judge's score when records carry one.
    for (const b of batches) {
      const ls = evolvedOf(b).map(levelOf);
      expect([...ls].sort((x, y) => x - y)).toEqual(ls);
    }
    const judged = evolved.map((r, i): EvolRecord => ({ ...r, scores: { difficulty: 1 + (i % 10) } }));
    const jb = planBatches({ evolved: judged, seeds, options: base }).map((b) => mean(evolvedOf(b).map((r) => r.scores?.difficulty ?? 0)));
    expect([...jb].sort((x, y) => x - y)).toEqual(jb);
  });

  it('gives the same batches for the same seed and the same set, whatever the arrival order', () => {
    for (const order of ['curriculum', 'shuffle'] as const) {
      const a = planBatches({ evolved, seeds, options: { ...base, order } });
      const b = planBatches({ evolved: shuffled(evolved, 'x'), seeds: shuffled(seeds, 'y'), options: { ...base, order } });
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }
    const other = planBatches({ evolved, seeds, options: { ...base, order: 'shuffle', seed: 43 } });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(planBatches({ evolved, seeds, options: { ...base, order: 'shuffle' } })));
  });

  it('shuffles across rounds in shuffle order', () => {
    const batches = planBatches({ evolved, seeds, options: { ...base, order: 'shuffle' } });
    const rounds = new Set(evolvedOf(batches[0] as Batch).map((r) => r.round));
    expect(rounds.size).toBeGreaterThan(1);
  });

  it('uses a fixed count of seeds per batch when replayCount is set', () => {
    const batches = planBatches({ evolved, seeds, options: { ...base, replayCount: 8, batchSize: 40 } });
    // 32 evolved per batch: 21 full batches and 28 evolved left, with round(28 * 8 / 32) = 7 seeds.
    expect(batches.map(seedCount)).toEqual([...Array(21).fill(8), 7]);
  });

  it('stratifies by strategy so no batch is dominated by one', () => {
    const skewed = evolved.map((r, i): EvolRecord => ({
      ...r,
      strategy: i % 10 < 6 ? 'deepening' : i % 10 < 9 ? 'mutation' : 'concretizing',
    }));
    const plain = planBatches({ evolved: skewed, seeds, options: base });
    const strat = planBatches({ evolved: skewed, seeds, options: { ...base, stratify: true } });
    const worst = (bs: Batch[]) =>
      Math.max(
        ...bs.slice(0, -1).map((b) => {
          const ev = evolvedOf(b);
          const deep = ev.filter((r) => r.strategy === 'deepening').length;
          return Math.abs(deep - 0.6 * ev.length);
        }),
      );
    expect(worst(strat)).toBeLessThanOrEqual(1);
    expect(worst(plain)).toBeGreaterThan(1);
  });

  it('has nothing to mix without evolved records, and no seeds without a replay buffer', () => {
    expect(planBatches({ evolved: [], seeds, options: base })).toEqual([]);
    const noSeeds = planBatches({ evolved: evolved.slice(0, 100), seeds: [], options: base });
    expect(noSeeds.flatMap((b) => b.records).length).toBe(100);
  });
});

describe('createStreamMixer', () => {
  it('emits full batches as evolved records arrive, with the share kept per batch and overall', () => {
    const mixer = createStreamMixer(base);
    const out: Batch[] = [];
    for (const s of seeds) out.push(...mixer.addSeed(s));
    for (const r of evolved) out.push(...mixer.addEvolved(r));
    out.push(...mixer.cut());
    expect(out.map((b) => b.index)).toEqual(out.map((_, i) => i));
    for (const b of out) expect(Math.abs(seedCount(b) - 0.2 * b.records.length)).toBeLessThanOrEqual(1);
    const all = out.flatMap((b) => b.records);
    expect(all.length - all.filter((r) => r.batch?.replay).length).toBe(700);
    expect(Math.abs(all.filter((r) => r.batch?.replay).length - 0.2 * all.length)).toBeLessThanOrEqual(1);
  });

  it('holds full batches until a first seed arrives', () => {
    const mixer = createStreamMixer(base);
    for (const r of evolved.slice(0, 120)) expect(mixer.addEvolved(r)).toEqual([]);
    const out = mixer.addSeed(seeds[0] as EvolRecord);
    expect(out.length).toBe(2);
    expect(out.every((b) => seedCount(b) >= 12)).toBe(true);
  });

  it('gives the same batches for the same calls', () => {
    const run = () => {
      const m = createStreamMixer({ ...base, order: 'shuffle' });
      seeds.forEach((s) => m.addSeed(s));
      return [...evolved.flatMap((r) => m.addEvolved(r)), ...m.cut()];
    };
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });
});

describe('createStreamMixer, stratified', () => {
  it('keeps every full batch close to the waiting mix of strategies', () => {
    // Arrivals come in runs of 60 of one strategy, strategies taking turns.
    const groups = new Map<string, EvolRecord[]>();
    for (const r of evolved) groups.set(r.strategy ?? '', [...(groups.get(r.strategy ?? '') ?? []), r]);
    const interleaved: EvolRecord[] = [];
    for (let at = 0; interleaved.length < evolved.length; at += 60)
      for (const g of groups.values()) interleaved.push(...g.slice(at, at + 60));
    const plain = createStreamMixer(base);
    const strat = createStreamMixer({ ...base, stratify: true });
    seeds.forEach((s) => {
      plain.addSeed(s);
      strat.addSeed(s);
    });
    const share = (bs: Batch[]) =>
      Math.max(
        ...bs.map((b) => {
          const ev = evolvedOf(b);
          const counts = new Map<string, number>();
          for (const r of ev) counts.set(r.strategy ?? '', (counts.get(r.strategy ?? '') ?? 0) + 1);
          return Math.max(...counts.values()) / ev.length;
        }),
      );
    const p = [...interleaved.flatMap((r) => plain.addEvolved(r)), ...plain.cut()];
    const s = [...interleaved.flatMap((r) => strat.addEvolved(r)), ...strat.cut()];
    expect(s.flatMap((b) => evolvedOf(b)).length).toBe(700);
    expect(s.every((b) => b.records.length <= 64)).toBe(true);
    expect(share(p.slice(0, -1))).toBe(1);
    expect(share(s.slice(0, -2))).toBeLessThanOrEqual(0.6);
  });
});
