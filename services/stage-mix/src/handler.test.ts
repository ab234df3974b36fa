import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  childRecordId,
  DEFAULT_CONFIG,
  mergeDeep,
  seedRecordId,
  seededRandom,
  type Config,
  type Emit,
  type EvolRecord,
} from '@evolflow/core';
import { seedTasksPath, vicunaPath } from '@evolflow/testdata';
import { createMixStage, type MixStage } from './index.ts';

const SEEDS_FILE = seedTasksPath;
const VICUNA = vicunaPath;

const seeds: EvolRecord[] = readFileSync(SEEDS_FILE, 'utf8')
  .trim()
  .split('\n')
  .map((line, i) => {
    const t = JSON.parse(line) as { instruction: string; instances: { input: string; output: string }[] };
    const id = seedRecordId(SEEDS_FILE, i + 1, t.instruction);
    return {
      id,
      seedId: id,
      parentId: null,
      round: 0,
      instruction: t.instruction,
      response: t.instances[0]?.output ?? '',
      lineage: [],
      checks: [],
      usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
      source: { file: SEEDS_FILE, line: i + 1, format: 'self-instruct' },
    };
  });
const STRATEGIES = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning'];
const evolved: EvolRecord[] = seeds.flatMap((seed, i) =>
  [1, 2, 3]
    .map((round): EvolRecord => {
      const strategy = STRATEGIES[(i + round) % 4] as string;
      const id = childRecordId(seed.id, round);
      return {
        ...seed,
        id,
        parentId: round === 1 ? seed.id : childRecordId(seed.id, round - 1),
        round,
        strategy,
        instruction: `${seed.instruction}${' Explain each step and give at least one example.'.repeat(round)}`,
        response: `An answer for round ${round}.`,
        lineage: [{ id, round, strategy }],
        source: undefined as never,
      };
    })
    .map((r) => {
      delete r.source;
      return r;
    }),
); // 525 evolved

const configWith = (mix: Record<string, unknown>, run: Record<string, unknown> = {}): Config =>
  mergeDeep(structuredClone(DEFAULT_CONFIG), { mix, run });
const shuffled = <T>(xs: readonly T[], key: string) => {
  const r = seededRandom(key);
  return [...xs]
    .map((x) => ({ x, k: r() }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.x);
};
type Input = { record: EvolRecord; from: 'replay' | 'unique' };
const inputs = (order: string): Input[] => {
  // Seeds come first, as the seed stage sends them; evolved records arrive in any order.
  return [
    ...shuffled(seeds, `s${order}`).map((record): Input => ({ record, from: 'replay' })),
    ...shuffled(evolved, order).map((record): Input => ({ record, from: 'unique' })),
  ];
};
const feed = async (stage: MixStage, list: readonly Input[]) => {
  const emits: Emit[] = [];
  for (const { record, from } of list) emits.push(...(await stage.handle(record, undefined, from)));
  return emits;
};
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `stage-mix-${name}-`));

describe('mix stage, finite run', () => {
  it('writes a byte-identical dataset whatever the arrival order, with the replay share within one record', async () => {
    const config = configWith({ batchSize: 32 });
    const outs: string[] = [];
    for (const order of ['a', 'b']) {
      const dir = tmp(`finite-${order}`);
      const stage = await createMixStage({ config, outDir: dir });
      expect(await feed(stage, inputs(order))).toEqual([]);
      const emits = [...((await stage.flush?.(undefined)) ?? [])];
      await stage.close();
      // 525 evolved at 0.2 make 656 records (131 seeds); all go to curriculum, stamped with their batch.
      expect(emits?.length).toBe(656);
      expect(emits?.every((e) => e.topic === 'curriculum' && e.record.batch !== undefined)).toBe(true);
      expect(emits?.filter((e) => e.record.batch?.replay).length).toBe(131);
      outs.push(dir);
    }
    const [a, b] = outs as [string, string];
    expect(read(b, 'data/jsonl/train-00000-of-00001.jsonl')).toBe(read(a, 'data/jsonl/train-00000-of-00001.jsonl'));
    expect(
      readFileSync(join(b, 'data/parquet/train-00000-of-00001.parquet')).equals(
        readFileSync(join(a, 'data/parquet/train-00000-of-00001.parquet')),
      ),
    ).toBe(true);
    const lines = read(a, 'data/jsonl/train-00000-of-00001.jsonl').trim().split('\n');
    expect(lines.length).toBe(656);
    const summary = JSON.parse(read(a, 'mix-summary.json'));
    expect(summary).toMatchObject({
      records: 656,
      evolved: 525,
      replayed: 131,
      repeated: 0,
      seedsAvailable: 175,
      batches: 21,
      byRound: { 0: 131, 1: 175, 2: 175, 3: 175 },
    });
    expect(Math.abs(summary.replayed - 0.2 * summary.records)).toBeLessThanOrEqual(1);
    // Shards + manifest: the same lines, with checksums that match the files.
    const manifest = JSON.parse(read(a, 'manifest.json'));
    expect(manifest.complete).toBe(true);
    const shardText = manifest.shards
      .map((s: { file: string; sha256: string; records: number }) => {
        const text = read(a, s.file);
        expect(createHash('sha256').update(text).digest('hex')).toBe(s.sha256);
        expect(text.trim().split('\n').length).toBe(s.records);
        return text;
      })
      .join('');
    expect(shardText).toBe(read(a, 'data/jsonl/train-00000-of-00001.jsonl'));
    // Trainer-side files, and no journal left behind.
    expect(JSON.parse(read(a, 'dataset_info.json'))).toMatchObject({
      evolflow: { file_name: 'data/jsonl/train-00000-of-00001.jsonl', formatting: 'alpaca' },
    });
    const card = read(a, 'README.md');
    expect(card).toContain('license: apache-2.0');
    expect(card).toContain('| 0 (seeds) | 131 |');
    expect(card).toContain('Replay share: **0.1997**');
    expect(existsSync(join(a, '.mix-state'))).toBe(false);
  });

  it('drops evolved records that copy an evaluation item, as contaminated, and keeps the rest', async () => {
    const vicuna = readFileSync(VICUNA, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { turns: string[] }).turns[0] as string);
    const planted = [3, 40, 77].map((n, k): EvolRecord => ({
      ...(evolved[k] as EvolRecord),
      id: `planted-${k}.r1`,
      instruction: `${vicuna[n - 1]} Answer in three paragraphs.`,
    }));
    const dir = tmp('decon');
    const stage = await createMixStage({ config: configWith({ decontaminate: { sets: [VICUNA] } }), outDir: dir });
    const emits = await feed(
      stage,
      [...planted, ...evolved.slice(0, 100)].map((record): Input => ({ record, from: 'unique' })),
    );
    expect(emits.map((e) => [e.topic, e.record.id, e.record.rejection?.reason])).toEqual(
      planted.map((p) => ['rejected', p.id, 'contaminated']),
    );
    expect(emits[0]?.record.rejection?.detail).toMatch(/^matches evaluation item vicuna-80\.jsonl:3 \(ngram [0-9.]+ >= 0\.4\)$/);
    expect(stage.stats).toMatchObject({ evolved: 100, contaminated: 3 });
    await stage.flush?.(undefined);
    expect(read(dir, 'README.md')).toContain('3 records dropped as copies or paraphrases of evaluation items (0 seeds, 3 evolved)');
    expect(
      read(dir, 'contaminated.jsonl')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(planted.map((p) => p.id).sort());
  });

  it('leaves out records without a response and fills the difficulty estimate', async () => {
    const dir = tmp('noresp');
    const stage = await createMixStage({ config: configWith({ replayShare: 0 }), outDir: dir });
    const { response: _, ...bare } = evolved[0] as EvolRecord;
    await feed(stage, [
      { record: bare as EvolRecord, from: 'unique' },
      { record: evolved[1] as EvolRecord, from: 'unique' },
    ]);
    const emits = [...((await stage.flush?.(undefined)) ?? [])];
    expect(emits.map((e) => e.record.id)).toEqual([evolved[1]?.id]);
    expect(typeof emits[0]?.record.scores?.estimate).toBe('number');
    expect(stage.stats.withoutResponse).toBe(1);
  });

  it('writes line-aligned metadata files beside the dataset and every shard', async () => {
    const dir = tmp('meta');
    const stage = await createMixStage({
      config: configWith({ metadata: 'file', shardRecords: 100, batchSize: 32 }, { format: 'sharegpt' }),
      outDir: dir,
    });
    await feed(stage, inputs('m').slice(0, 300));
    await stage.flush?.(undefined);
    const data = read(dir, 'data/jsonl/train-00000-of-00001.jsonl').trim().split('\n');
    const meta = read(dir, 'metadata.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(meta.length).toBe(data.length);
    expect(JSON.parse(data[0] as string).conversations[0].from).toBe('human');
    expect(meta.every((m) => typeof m.id === 'string' && Array.isArray(m.strategies) && typeof m.replay === 'boolean')).toBe(true);
    const manifest = JSON.parse(read(dir, 'manifest.json'));
    expect(manifest.shards.length).toBeGreaterThan(1);
    for (const s of manifest.shards) expect(read(dir, s.metadataFile).trim().split('\n').length).toBe(s.records);
  });

  it('resumes from its journal after a crash and writes the same dataset', async () => {
    const config = configWith({ batchSize: 16 });
    const all = inputs('c');
    const ref = tmp('ref');
    const a = await createMixStage({ config, outDir: ref });
    await feed(a, all);
    await a.flush?.(undefined);

    const dir = tmp('crash');
    const first = await createMixStage({ config, outDir: dir });
    await feed(first, all.slice(0, 400));
    // Killed mid-write: a torn journal line, and the last 10 deliveries were never committed.
    appendFileSync(join(dir, '.mix-state', 'journal.jsonl'), '{"t":"evolved","record":{"id":"to');
    const second = await createMixStage({ config, outDir: dir });
    expect(second.stats.evolved + second.stats.seeds).toBe(400);
    await feed(second, all.slice(390));
    expect(second.stats.redelivered).toBe(10);
    await second.flush?.(undefined);
    expect(read(dir, 'data/jsonl/train-00000-of-00001.jsonl')).toBe(read(ref, 'data/jsonl/train-00000-of-00001.jsonl'));
  });
});

describe('mix stage, continuous mode', () => {
  const config = configWith({ continuous: true, batchSize: 20, shardRecords: 100 });
  const batchesOf = (emits: Emit[]) => {
    const byIndex = new Map<number, string[]>();
    for (const e of emits) {
      const b = e.record.batch;
      if (!b) throw new Error('no batch');
      const list = byIndex.get(b.index) ?? [];
      list[b.position] = e.record.id;
      byIndex.set(b.index, list);
    }
    return byIndex;
  };
  const shardFiles = (dir: string) =>
    readdirSync(join(dir, 'shards'))
      .sort()
      .map((f) => [f, read(join(dir, 'shards'), f)]);

  it('emits batches as they fill, with the seed share within one record in every batch', async () => {
    const dir = tmp('cont');
    const stage = await createMixStage({ config, outDir: dir });
    const emits = await feed(stage, inputs('d'));
    emits.push(...((await stage.flush?.(undefined)) ?? []));
    const batches = batchesOf(emits);
    expect([...batches.keys()]).toEqual([...batches.keys()].map((_, i) => i));
    for (const ids of batches.values()) {
      const replayed = emits.filter((e) => ids.includes(e.record.id) && e.record.batch?.replay).length;
      expect(Math.abs(replayed - 0.2 * ids.length)).toBeLessThanOrEqual(1);
    }
    expect(emits.filter((e) => !e.record.batch?.replay).length).toBe(525);
    const manifest = JSON.parse(read(dir, 'manifest.json'));
    expect(manifest.records).toBe(emits.length);
    expect(manifest.shards.every((s: { records: number }, i: number, all: unknown[]) => i === all.length - 1 || s.records >= 100)).toBe(
      true,
    );
  });

  it('killed and restarted mid-run, yields the same shards and batches as an uninterrupted run', async () => {
    const all = inputs('e');
    const ref = tmp('cont-ref');
    const a = await createMixStage({ config, outDir: ref });
    const refEmits = await feed(a, all);
    refEmits.push(...((await a.flush?.(undefined)) ?? []));

    const dir = tmp('cont-crash');
    const first = await createMixStage({ config, outDir: dir });
    const before = await feed(first, all.slice(0, 443));
    // The last 7 inputs before the crash: handled (journalled), but their deliveries never committed.
    const triggeredByUncommitted = new Set<number>();
    for (const input of all.slice(443, 450)) {
      const emits = await first.handle(input.record, undefined, input.from);
      before.push(...emits);
      for (const e of emits) triggeredByUncommitted.add(e.record.batch?.index ?? -1);
    }
    // Crash: no close(); those 7 deliveries come again to the restarted mixer.
    const second = await createMixStage({ config, outDir: dir });
    const after = await feed(second, all.slice(443));
    after.push(...((await second.flush?.(undefined)) ?? []));
    expect(second.stats.redelivered).toBe(7);
    expect(triggeredByUncommitted.size).toBe(1);
    expect(shardFiles(dir)).toEqual(shardFiles(ref));
    expect(read(dir, 'manifest.json')).toBe(read(ref, 'manifest.json'));
    expect(read(dir, 'data/jsonl/train-00000-of-00001.jsonl')).toBe(read(ref, 'data/jsonl/train-00000-of-00001.jsonl'));
    // No batch lost or changed; a batch is published again only when the input that completed it
    // is delivered again (its first publication may not have been committed).
    const merged = new Map([...batchesOf(before), ...batchesOf(after)]);
    expect(merged).toEqual(batchesOf(refEmits));
    const again = [...batchesOf(after).keys()].filter((k) => batchesOf(before).has(k));
    expect(new Set(again)).toEqual(triggeredByUncommitted);
  });

  it('cuts a partial batch when the interval has passed', async () => {
    let clock = 0;
    const dir = tmp('interval');
    const stage = await createMixStage({
      config: configWith({ continuous: true, batchSize: 20, intervalMs: 1000 }),
      outDir: dir,
      now: () => clock,
    });
    await feed(stage, inputs('f').slice(0, 180)); // 175 seeds and 5 evolved: no full batch yet
    expect(await stage.tick()).toEqual([]);
    clock = 1500;
    const cut = await stage.tick();
    // 5 evolved and round(0.2 * 6) = 1 seed.
    expect(cut.length).toBe(6);
    expect(cut.filter((e) => e.record.batch?.replay).length).toBe(1);
    clock = 1600;
    expect(await feed(stage, inputs('f').slice(180, 181))).toEqual([]);
    clock = 3000;
    expect((await feed(stage, inputs('f').slice(181, 182))).length).toBe(3); // 2 evolved + 1 seed
  });
});
