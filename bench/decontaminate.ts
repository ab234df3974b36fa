// Decontamination: how many evaluation questions, given as seeds (exact copies and paraphrases),
// reach dataset.jsonl, in exact and semantic dedup modes, before (seeds never checked; semantic mode
// swapped the n-gram test for embeddings at the dedup threshold) and after (every record checked,
// n-gram and embedding tests together, descendants of contaminated seeds dropped). Beside it: each
// test's catch rate on the 80 paraphrases and its false flags on clean records, with a word-overlap
// (Jaccard) baseline, and the embedding test on STS-B dev pairs (where its threshold was chosen).
//
// Data: vicuna-80 (../shared/data/seeds, the evaluation set), the 175 self-instruct seeds (clean),
// services/stage-mix/src/fixtures/vicuna-80-paraphrases.jsonl (one hand-written paraphrase per
// question), STS-B dev (../shared/data/paraphrase). Run: npx tsx bench/decontaminate.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG, loadConfig, mergeDeep, type Config, type EvolRecord } from '@evolflow/core';
import { createEmbedder, readStsPairs, evaluateAt, pullModel } from '@evolflow/dedup';
import {
  contentTokens,
  createDecontaminationSuite,
  createEmbeddingDecontaminator,
  createNgramDecontaminator,
  loadEvalSets,
  type DecontaminationSuite,
  type Decontaminator,
  type TextEmbedder,
} from '@evolflow/mixer';
import { createMixStage } from '@evolflow/stage-mix';
import { ROOT, SELF_INSTRUCT, tempDir, timedPipelineRun, writeResults } from './support.ts';

const SHARED = resolve(ROOT, '../shared/data');
const VICUNA = join(SHARED, 'seeds/vicuna-80.jsonl');
const STSB = join(SHARED, 'paraphrase/stsb-sts-dev.csv');
const PARAPHRASES = join(ROOT, 'services/stage-mix/src/fixtures/vicuna-80-paraphrases.jsonl');
const D = DEFAULT_CONFIG.mix.decontaminate;
const OLD_SEMANTIC_THRESHOLD = DEFAULT_CONFIG.dedup.threshold; // what semantic mode used before: the dedup threshold

const items = loadEvalSets([VICUNA]);
const questions = items.map((i) => i.text);
const paraphrases = readFileSync(PARAPHRASES, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { question_id: number; paraphrase: string });
const selfInstruct = readFileSync(SELF_INSTRUCT, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { instruction: string; instances: { input: string; output: string }[] });
const ADDITIONS = [
  'Answer in no more than 120 words and include at least two concrete examples.',
  'Explain your reasoning step by step and justify each choice you make.',
  'Present the result as a markdown table with a column for each criterion.',
  'Consider the trade-offs for a beginner and for an expert, and compare them.',
];
const clean = [
  ...selfInstruct.map((t) => `${t.instruction}\n${t.instances[0]?.input ?? ''}`),
  ...selfInstruct.flatMap((t, i) =>
    [1, 2].map(
      (r) =>
        `${t.instruction} ${ADDITIONS.slice(0, r)
          .map((_, k) => ADDITIONS[(i + k) % 4])
          .join(' ')}\n${t.instances[0]?.input ?? ''}`,
    ),
  ),
];

// --- each test alone, on the 80 questions, their 80 paraphrases and 525 clean records -------------
const modelDir = resolve(ROOT, DEFAULT_CONFIG.dedup.modelDir);
const model = D.embeddingModel;
await pullModel({ modelDir, model, variants: ['quantized'] });
const embedder = await createEmbedder({ modelDir, model, variant: 'quantized' });
/** One embedder for every stage in this process (the stages would each load their own). */
const shared: TextEmbedder = { embed: (t) => embedder.embed(t), close: async () => {} };

const embedAll = async (texts: string[]) => {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await embedder.embed(texts.slice(i, i + 64))));
  return out;
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const itemVectors = await embedAll(questions);
const nearest = async (texts: string[]) => (await embedAll(texts)).map((v) => Math.max(...itemVectors.map((u) => dot(u, v))));
const ownSimilarity = (await embedAll(paraphrases.map((p) => p.paraphrase))).map((v, k) =>
  dot(v, itemVectors[(paraphrases[k] as { question_id: number }).question_id - 1] as Float32Array),
);
const cleanNearest = await nearest(clean);

const ngram = createNgramDecontaminator({ items, threshold: D.threshold, ngram: D.ngram });
const ngramOf = async (texts: string[]) => Promise.all(texts.map((t) => ngram.check('x', t)));
const paraNgram = await ngramOf(paraphrases.map((p) => p.paraphrase));
const copyNgram = await ngramOf(questions);
const cleanNgram = await ngramOf(clean);
// The n-gram test must name the paraphrased question itself, not just any item.
const paraNgramHit = paraNgram.map(
  (v, k) => v.contaminated && v.itemId === `vicuna-80.jsonl:${(paraphrases[k] as { question_id: number }).question_id}`,
);

// Word-overlap baseline: Jaccard of content-word sets, the best over the evaluation items.
const wordSet = (t: string) => new Set(contentTokens(t));
const itemSets = questions.map(wordSet);
const jaccard = (a: Set<string>, b: Set<string>) => {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter === 0 ? 0 : inter / (a.size + b.size - inter);
};
const paraJaccard = paraphrases.map((p) => jaccard(wordSet(p.paraphrase), itemSets[p.question_id - 1] as Set<string>));
const cleanJaccard = clean.map((t) => Math.max(...itemSets.map((s) => jaccard(wordSet(t), s))));

// STS-B dev: the embedding threshold is the highest where pairs scored >= 4 are recalled at >= 0.9.
const pairs = readStsPairs(STSB, 4);
const pairSims: number[] = [];
{
  const av = await embedAll(pairs.map((p) => p.a));
  const bv = await embedAll(pairs.map((p) => p.b));
  av.forEach((v, i) => pairSims.push(dot(v, bv[i] as Float32Array)));
}
const labels = pairs.map((p) => p.same);
const stsCurve = [0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9, 0.96].map((t) => evaluateAt(pairSims, labels, t));
let chosen = 0.5;
for (let t = 0.5; t <= 0.99 + 1e-9; t += 0.01)
  if (evaluateAt(pairSims, labels, Math.round(t * 100) / 100).recall >= 0.9) chosen = Math.round(t * 100) / 100;

const count = (xs: readonly boolean[]) => xs.filter(Boolean).length;
const perTest = (threshold: number) => ({
  threshold,
  paraphrasesCaught: count(ownSimilarity.map((s) => s >= threshold)),
  copiesCaught: 80,
  cleanFlagged: count(cleanNearest.map((s) => s >= threshold)),
});
const tests = {
  ngram: {
    threshold: D.threshold,
    paraphrasesCaught: count(paraNgramHit),
    copiesCaught: count(copyNgram.map((v) => v.contaminated)),
    cleanFlagged: count(cleanNgram.map((v) => v.contaminated)),
  },
  embeddingAtOldDedupThreshold: perTest(OLD_SEMANTIC_THRESHOLD),
  embeddingAtDefault: perTest(D.embeddingThreshold),
  embeddingSweep: [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9].map(perTest),
  ngramPlusEmbeddingAtDefault: {
    paraphrasesCaught: count(paraNgramHit.map((h, k) => h || (ownSimilarity[k] as number) >= D.embeddingThreshold)),
    cleanFlagged: count(cleanNgram.map((v, k) => v.contaminated || (cleanNearest[k] as number) >= D.embeddingThreshold)),
  },
  wordJaccardBaseline: [0.2, 0.3, 0.4, 0.5].map((t) => ({
    threshold: t,
    paraphrasesCaught: count(paraJaccard.map((j) => j >= t)),
    copiesCaught: 80,
    cleanFlagged: count(cleanJaccard.map((j) => j >= t)),
  })),
};
const missed = paraphrases
  .filter((_, k) => !paraNgramHit[k] && (ownSimilarity[k] as number) < D.embeddingThreshold)
  .map((p, k) => ({
    question: p.question_id,
    paraphrase: p.paraphrase,
    cosine: Number((ownSimilarity[paraphrases.indexOf(p)] as number).toFixed(3)),
    k,
  }));
const flaggedClean = clean
  .map((t, k) => ({ t, s: cleanNearest[k] as number, n: (cleanNgram[k] as { contaminated: boolean }).contaminated }))
  .filter((x) => x.n || x.s >= D.embeddingThreshold)
  .map((x) => ({ text: x.t.slice(0, 100), cosine: Number(x.s.toFixed(3)), ngram: x.n }));

// --- the whole pipeline: eval questions as seeds, replay share 0.5 --------------------------------
// 175 self-instruct seeds, vicuna questions 1-40 copied, 41-80 paraphrased; each with an answer, so
// nothing but decontamination keeps them out.
const seedDir = tempDir('decon-seeds');
const seedFile = join(seedDir, 'seeds.jsonl');
const COPIED = questions.slice(0, 40);
const PARAPHRASED = paraphrases.filter((p) => p.question_id > 40).map((p) => p.paraphrase);
const evalSeedLines = [...COPIED, ...PARAPHRASED].map((q) =>
  JSON.stringify({ instruction: q, output: 'A thorough answer to this question, written by a person.' }),
);
writeFileSync(
  seedFile,
  `${[...selfInstruct.map((t) => JSON.stringify({ instruction: t.instruction, input: t.instances[0]?.input ?? '', output: t.instances[0]?.output ?? '' })), ...evalSeedLines].join('\n')}\n`,
);
const copiedSet = new Set(COPIED);
const paraphrasedSet = new Set(PARAPHRASED);

/** The old behaviour: seeds never checked, one test (n-gram; or embeddings at the dedup threshold in semantic mode). */
const beforeSuite = async (mode: 'exact' | 'semantic', seedIds: Set<string>): Promise<DecontaminationSuite> => {
  const t: Decontaminator =
    mode === 'exact'
      ? createNgramDecontaminator({ items, threshold: D.threshold, ngram: D.ngram })
      : await createEmbeddingDecontaminator({ items, embedder: shared, threshold: OLD_SEMANTIC_THRESHOLD, model });
  const suite = createDecontaminationSuite(items, [t]);
  return {
    ...suite,
    check: async (id, text) => (seedIds.has(id) ? { contaminated: false, matches: [], scores: {} } : suite.check(id, text)),
  };
};
const afterSuite = async (which: ('ngram' | 'embedding')[]): Promise<DecontaminationSuite> => {
  const list: Decontaminator[] = [];
  for (const w of which)
    list.push(
      w === 'ngram'
        ? createNgramDecontaminator({ items, threshold: D.threshold, ngram: D.ngram })
        : await createEmbeddingDecontaminator({ items, embedder: shared, threshold: D.embeddingThreshold, model }),
    );
  return createDecontaminationSuite(items, list);
};

const readRecords = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EvolRecord);

/** Re-mix a run's kept evolutions and seeds with `suite`; count what reaches the dataset. */
async function remix(config: Config, runDir: string, suite: DecontaminationSuite) {
  const seeds = readRecords(join(runDir, 'seeds.jsonl'));
  const kept = readRecords(join(runDir, 'kept.jsonl'));
  const evalSeedIds = new Map(
    seeds
      .filter((s) => copiedSet.has(s.instruction) || paraphrasedSet.has(s.instruction))
      .map((s) => [s.id, copiedSet.has(s.instruction) ? 'copy' : 'paraphrase']),
  );
  const stage = await createMixStage({ config, outDir: tempDir('decon-mix'), decontamination: suite });
  for (const s of seeds) await stage.handle(s, undefined, 'replay');
  for (const r of kept) await stage.handle(r, undefined, 'unique');
  const emits = [...((await stage.flush?.(undefined)) ?? [])];
  await stage.close();
  const inData = emits.filter((e) => e.topic === 'curriculum').map((e) => e.record);
  const seedRows = new Set(inData.filter((r) => r.round === 0).map((r) => r.id));
  return {
    records: inData.length,
    copiesReachingDataset: [...evalSeedIds].filter(([id, k]) => k === 'copy' && seedRows.has(id)).length,
    paraphrasesReachingDataset: [...evalSeedIds].filter(([id, k]) => k === 'paraphrase' && seedRows.has(id)).length,
    evolvedFromEvalSeedsReachingDataset: inData.filter((r) => r.round > 0 && evalSeedIds.has(r.seedId)).length,
    contaminatedDropped: stage.stats.contaminated,
  };
}

const pipeline: Record<string, unknown> = {};
for (const mode of ['exact', 'semantic'] as const) {
  const overrides = {
    dedup: { mode },
    mix: { replayShare: 0.5, decontaminate: { sets: [VICUNA], tests: ['ngram', 'embedding'] } },
  };
  const run = await timedPipelineRun({ latencyMs: 0, rounds: 2, seeds: seedFile, overrides });
  const outDir = run.summary.outDir;
  // The dataset the run wrote: eval questions among its rows (alpaca `instruction`).
  const rows = readFileSync(join(outDir, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { instruction: string }).instruction);
  const contaminatedLines = readFileSync(join(outDir, 'contaminated.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '').length;
  const card = readFileSync(join(outDir, 'README.md'), 'utf8');
  const config = loadConfig({ env: {}, cwd: ROOT, overrides: mergeDeep({ run: { rounds: 2 } }, overrides) });
  const seeds = readRecords(join(outDir, 'seeds.jsonl'));
  const ids = new Set(seeds.filter((s) => copiedSet.has(s.instruction) || paraphrasedSet.has(s.instruction)).map((s) => s.id));
  pipeline[mode] = {
    seeds: seeds.length,
    kept: run.summary.totals.kept,
    afterRun: {
      datasetRecords: rows.length,
      // Distinct questions (a replayed seed may be drawn twice once all seeds were used).
      copiesReachingDataset: new Set(rows.filter((r) => copiedSet.has(r))).size,
      paraphrasesReachingDataset: new Set(rows.filter((r) => paraphrasedSet.has(r))).size,
      contaminatedJsonlLines: contaminatedLines,
      cardHasAbsolutePath: /(^|[\s`(])\/(work|home|tmp|root)\//m.test(card),
    },
    remixBefore: await remix(config, outDir, await beforeSuite(mode, ids)),
    remixAfterNgramOnly: await remix(config, outDir, await afterSuite(['ngram'])),
    remixAfterEmbeddingOnly: await remix(config, outDir, await afterSuite(['embedding'])),
    remixAfterBoth: await remix(config, outDir, await afterSuite(['ngram', 'embedding'])),
  };
}
await embedder.close();

writeResults('decontaminate', {
  data: {
    evalSet: 'vicuna-80 (80 questions)',
    paraphrases: `${paraphrases.length} hand-written, ${PARAPHRASES.slice(ROOT.length + 1)}`,
    clean: `${clean.length} records: 175 self-instruct seeds and 350 evolved-looking extensions of them`,
    stsbDevPairs: pairs.length,
  },
  defaults: {
    ngramThreshold: D.threshold,
    ngram: D.ngram,
    embeddingThreshold: D.embeddingThreshold,
    embeddingModel: model,
    tests: D.tests,
  },
  embeddingThresholdChosenOnStsbDev: {
    rule: 'highest threshold (0.01 steps) where STS-B dev pairs scored >= 4 are recalled at >= 0.9',
    threshold: chosen,
    curve: stsCurve,
  },
  perTest: tests,
  paraphrasesMissedByBothTests: missed.map(({ k: _k, ...m }) => m),
  cleanRecordsFlagged: flaggedClean,
  pipeline: {
    seeds: '175 self-instruct + vicuna 1-40 copied + paraphrases of vicuna 41-80, each with an answer; 2 rounds; replay share 0.5',
    ...pipeline,
  },
});
