// Mixer throughput and decontamination quality: the difficulty estimate, the finite batch plan,
// the continuous mixer, the whole mix stage (journal, plan, JSONL + Parquet + shards + card), and
// the n-gram decontamination test, plus its precision and recall on STS-B dev pairs (held out: the
// threshold was set on the project's own planted set, not on these).
// Run: npx tsx bench/mixer.ts [--records N]
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { childRecordId, DEFAULT_CONFIG, mergeDeep, seedRecordId, type Config, type EvolRecord } from '@evolflow/core';
import {
  createNgramDecontaminator,
  createStreamMixer,
  estimateDifficulty,
  loadEvalSets,
  planBatches,
  type BatchOptions,
} from '@evolflow/mixer';
import { createMixStage } from '@evolflow/stage-mix';
import { ROOT, SELF_INSTRUCT, writeResults } from './support.ts';

const arg = process.argv.indexOf('--records');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 50_000;
const VICUNA = resolve(ROOT, '../shared/data/seeds/vicuna-80.jsonl');
const STS = resolve(ROOT, '../shared/data/paraphrase/stsb-sts-dev.csv');
const DEMANDS = [
  'Answer in no more than 120 words.',
  'Explain your reasoning step by step.',
  'Present the result as a markdown table.',
  'Give at least two concrete examples.',
  'Return JSON with the keys "summary" and "details".',
  'State every assumption you make.',
];

// Seeds: the self-instruct tasks; evolved: N records descended from them over 4 rounds.
const tasks = readFileSync(SELF_INSTRUCT, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { instruction: string; instances: { output: string }[] });
const seeds: EvolRecord[] = tasks.map((t, i) => {
  const id = seedRecordId(SELF_INSTRUCT, i + 1, t.instruction);
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
  };
});
const evolved: EvolRecord[] = Array.from({ length: N }, (_, i) => {
  const seed = seeds[i % seeds.length] as EvolRecord;
  const round = 1 + (Math.floor(i / seeds.length) % 4);
  const id = `${childRecordId(seed.id, round)}.v${Math.floor(i / (seeds.length * 4))}`;
  const strategy = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'][i % 6] as string;
  const instruction = [seed.instruction, ...DEMANDS.slice(0, round + (i % 3))].join(' ');
  return {
    ...seed,
    id,
    parentId: seed.id,
    round,
    strategy,
    instruction,
    response: `Answer ${i}: ${seed.response}`,
    lineage: [{ id, round, strategy }],
  };
});

const time = async <T>(fn: () => Promise<T> | T): Promise<{ value: T; seconds: number }> => {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
};
const perSecond = (n: number, s: number) => Math.round(n / s);

const est = await time(() => evolved.map((r) => estimateDifficulty(r.instruction, { round: r.round })));
const scored = evolved.map((r, i) => ({ ...r, scores: { estimate: est.value[i] as number } }));
const options: BatchOptions = { replayShare: 0.2, replayCount: 0, batchSize: 64, order: 'curriculum', stratify: false, seed: 42 };
const plan = await time(() => planBatches({ evolved: scored, seeds, options }));
const planStratified = await time(() => planBatches({ evolved: scored, seeds, options: { ...options, stratify: true } }));
const stream = await time(() => {
  const m = createStreamMixer(options);
  seeds.forEach((s) => m.addSeed(s));
  let batches = 0;
  for (const r of scored) batches += m.addEvolved(r).length;
  return batches + m.cut().length;
});

const stageRun = async (continuous: boolean) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mixer-'));
  const config: Config = mergeDeep(structuredClone(DEFAULT_CONFIG), { mix: { continuous } });
  const stage = await createMixStage({ config, outDir: dir });
  const r = await time(async () => {
    for (const s of seeds) await stage.handle(s, undefined, 'replay');
    for (const e of evolved) await stage.handle(e, undefined, 'unique');
    return [...((await stage.flush?.(undefined)) ?? [])].length;
  });
  await stage.close();
  const bytes = statSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl')).size;
  const parquet = statSync(join(dir, 'data/parquet/train-00000-of-00001.parquet')).size;
  rmSync(dir, { recursive: true, force: true });
  return {
    inputs: seeds.length + evolved.length,
    seconds: +r.seconds.toFixed(2),
    inputsPerSecond: perSecond(seeds.length + evolved.length, r.seconds),
    datasetBytes: bytes,
    parquetBytes: parquet,
  };
};
const finite = await stageRun(false);
const continuous = await stageRun(true);

const items = loadEvalSets([VICUNA]);
const decon = createNgramDecontaminator({
  items,
  threshold: DEFAULT_CONFIG.mix.decontaminate.threshold,
  ngram: DEFAULT_CONFIG.mix.decontaminate.ngram,
});
const deconRun = await time(async () => {
  let hits = 0;
  for (const r of evolved.slice(0, 20_000)) if ((await decon.check(r.id, r.instruction)).contaminated) hits++;
  return hits;
});

// STS-B dev: every first sentence is an item of one evaluation set; each second sentence is a
// record, flagged rightly when it matches its own partner and the pair means the same (score >= 4).
const pairs = readFileSync(STS, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t'))
  .filter((c) => c.length >= 7)
  .map((c) => ({ score: Number(c[4]), a: c[5] as string, b: c[6] as string }));
const stsDecon = createNgramDecontaminator({
  items: pairs.map((p, i) => ({ id: String(i), text: p.a })),
  threshold: DEFAULT_CONFIG.mix.decontaminate.threshold,
  ngram: 2,
});
const sts = { pairs: pairs.length, same: 0, truePositives: 0, falsePositives: 0, flaggedScoring3to4: 0, falsePositivesBelow2: 0 };
for (const [i, p] of pairs.entries()) {
  const v = await stsDecon.check('b', p.b);
  const own = v.contaminated && v.itemId === String(i);
  if (p.score >= 4) sts.same++;
  if (own && p.score >= 4) sts.truePositives++;
  if (own && p.score < 4) sts.falsePositives++;
  if (own && p.score >= 3 && p.score < 4) sts.flaggedScoring3to4++;
  if (own && p.score < 2) sts.falsePositivesBelow2++;
}

writeResults('mixer', {
  records: { evolved: N, seeds: seeds.length },
  estimateDifficulty: { perSecond: perSecond(N, est.seconds) },
  planBatches: { batches: plan.value.length, seconds: +plan.seconds.toFixed(3), recordsPerSecond: perSecond(N, plan.seconds) },
  planBatchesStratified: { seconds: +planStratified.seconds.toFixed(3), recordsPerSecond: perSecond(N, planStratified.seconds) },
  streamMixer: { batches: stream.value, seconds: +stream.seconds.toFixed(3), recordsPerSecond: perSecond(N, stream.seconds) },
  stageFinite: finite,
  stageContinuous: continuous,
  ngramDecontamination: {
    evalItems: items.length,
    records: 20_000,
    flagged: deconRun.value,
    recordsPerSecond: perSecond(20_000, deconRun.seconds),
  },
  ngramOnStsb: {
    ...sts,
    threshold: DEFAULT_CONFIG.mix.decontaminate.threshold,
    precision: +(sts.truePositives / Math.max(1, sts.truePositives + sts.falsePositives)).toFixed(3),
    recall: +(sts.truePositives / Math.max(1, sts.same)).toFixed(3),
  },
});
