// Decontamination of everything that can reach the dataset: evaluation questions given as seeds
// (exact copies and hand-written paraphrases), replayed at a share of 0.5, and their evolutions, in
// both dedup modes, with the real embedding model (`evolflow models pull`).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childRecordId, loadConfig, seedRecordId, type Config, type Emit, type EvolRecord, type Logger } from '@evolflow/core';
import { readSeedTasks, readVicunaQuestions, vicunaPath } from '@evolflow/testdata';
import { createMixStage, type ContaminationEntry } from './index.ts';

// Never reach for the hub from tests: a model missing from the cache comes from Maven Central.
process.env.HF_HUB_OFFLINE = '1';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARAPHRASES = readFileSync(fileURLToPath(new URL('./fixtures/vicuna-80-paraphrases.jsonl', import.meta.url)), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { question_id: number; paraphrase: string });
const QUESTIONS = readVicunaQuestions();

const usage = { promptTokens: 0, completionTokens: 0, calls: 0 };
const seedRecord = (
  { file, line }: { file: string; line: number },
  { instruction, response, input = '' }: { instruction: string; response: string; input?: string | undefined },
): EvolRecord => {
  const id = seedRecordId(file, line, instruction);
  return {
    id,
    seedId: id,
    parentId: null,
    round: 0,
    instruction,
    ...(input ? { input } : {}),
    response,
    lineage: [],
    checks: [],
    usage,
    source: { file, line, format: 'alpaca' },
  };
};
const cleanSeeds = readSeedTasks().map((t, i) =>
  seedRecord(
    { file: '/data/seeds/self-instruct.jsonl', line: i + 1 },
    { instruction: t.instruction, response: t.instances[0]?.output ?? '', input: t.instances[0]?.input },
  ),
);
// Every vicuna question as a seed with an answer (so only decontamination can keep it out): copied, and paraphrased.
const copySeeds = QUESTIONS.map((q, i) =>
  seedRecord({ file: '/data/seeds/with-eval.jsonl', line: i + 1 }, { instruction: q, response: 'A careful answer.' }),
);
const paraphraseSeeds = PARAPHRASES.map((p) =>
  seedRecord(
    { file: '/data/seeds/with-eval.jsonl', line: 100 + p.question_id },
    { instruction: p.paraphrase, response: 'A careful answer.' },
  ),
);
const ADDITIONS = ['Answer in no more than 120 words.', 'Explain your reasoning step by step.'];
const evolve = (seeds: readonly EvolRecord[]) =>
  seeds
    .flatMap((s) =>
      [1, 2].map((round): EvolRecord => {
        const id = childRecordId(s.id, round);
        return {
          ...s,
          id,
          parentId: round === 1 ? s.id : childRecordId(s.id, 1),
          round,
          strategy: 'add-constraints',
          instruction: `${s.instruction} ${ADDITIONS.slice(0, round).join(' ')}`,
          response: `Answer, round ${round}.`,
          lineage: [{ id, round, strategy: 'add-constraints' }],
        };
      }),
    )
    .map(({ source: _s, ...r }) => r as EvolRecord);

const configFor = (mode: 'exact' | 'semantic', tests: string[] = ['ngram', 'embedding']): Config =>
  loadConfig({
    env: {},
    cwd: ROOT,
    overrides: { dedup: { mode }, mix: { replayShare: 0.5, batchSize: 32, decontaminate: { sets: [vicunaPath], tests } } },
  });

const collecting = (): Logger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
};

/** Feed seeds (replay) then evolutions (unique) through a finite mix; what reached the dataset, and the drops. */
async function mixRun(config: Config, seeds: readonly EvolRecord[], evolved: readonly EvolRecord[]) {
  const outDir = mkdtempSync(join(tmpdir(), 'stage-mix-decon-'));
  const logger = collecting();
  const stage = await createMixStage({ config, outDir, logger, cwd: ROOT });
  const emits: Emit[] = [];
  for (const s of seeds) emits.push(...(await stage.handle(s, undefined, 'replay')));
  for (const r of evolved) emits.push(...(await stage.handle(r, undefined, 'unique')));
  emits.push(...((await stage.flush?.(undefined)) ?? []));
  await stage.close();
  const dataset = readFileSync(join(outDir, 'data/jsonl/train-00000-of-00001.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { instruction: string }).instruction);
  const drops = readFileSync(join(outDir, 'contaminated.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ContaminationEntry);
  return {
    outDir,
    emits,
    dataset,
    drops,
    stats: stage.stats,
    warnings: logger.warnings,
    card: readFileSync(join(outDir, 'README.md'), 'utf8'),
  };
}

describe.each(['exact', 'semantic'] as const)('mix decontamination, dedup.mode %s, replay share 0.5', (mode) => {
  it('keeps every copied evaluation question out of the dataset, as a seed and through its evolutions, and lists each drop', async () => {
    const seeds = [...cleanSeeds, ...copySeeds];
    const run = await mixRun(configFor(mode), seeds, evolve(seeds));
    const inData = new Set(run.dataset);
    expect(QUESTIONS.filter((q) => inData.has(q))).toEqual([]);
    // No evolution of a copied question either (each still contains it, and its seed matched).
    const evalSeedIds = new Set(copySeeds.map((s) => s.id));
    const curriculum = run.emits.filter((e) => e.topic === 'curriculum').map((e) => e.record);
    expect(curriculum.filter((r) => evalSeedIds.has(r.seedId))).toEqual([]);
    // Every drop is listed with the evaluation item it matched: set file name, line, text, test and score.
    const seedDrops = run.drops.filter((d) => d.kind === 'seed' && evalSeedIds.has(d.id));
    expect(seedDrops).toHaveLength(80);
    for (const d of seedDrops) {
      const line = copySeeds.findIndex((s) => s.id === d.id) + 1;
      expect(d.matches.map((m) => [m.set, m.line, m.text])).toContainEqual(['vicuna-80.jsonl', line, QUESTIONS[line - 1]]);
      expect(d.matches.every((m) => m.score >= m.threshold)).toBe(true);
      expect(d.matches.map((m) => m.test)).toEqual(['ngram', 'embedding']);
    }
    expect(run.drops.filter((d) => d.kind === 'evolved' && evalSeedIds.has(d.seedId))).toHaveLength(160);
    // Rejected records name the item too, and the card names the set by file name and size, never a path.
    const rejected = run.emits.filter((e) => e.topic === 'rejected');
    expect(rejected).toHaveLength(run.drops.length);
    expect(rejected[0]?.record.rejection?.reason).toBe('contaminated');
    expect(run.card).toContain('`vicuna-80.jsonl` (80 items)');
    expect(run.card).not.toMatch(/(^|[\s`(])\/[A-Za-z]/m);
    expect(run.card).not.toContain(ROOT);
    // One summary line names what was left out and why.
    expect(run.warnings.filter((w) => w.startsWith('mix: left out'))).toHaveLength(1);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toContain(`${run.drops.length} contaminated (${run.stats.contaminatedSeeds} seeds`);
  }, 180_000);

  it('keeps hand-written paraphrases out by the n-gram and embedding tests together, each at its own threshold', async () => {
    const seeds = [...cleanSeeds, ...paraphraseSeeds];
    const run = await mixRun(configFor(mode), seeds, evolve(seeds));
    const inData = new Set(run.dataset);
    const leaked = PARAPHRASES.filter((p) => inData.has(p.paraphrase)).map((p) => p.question_id);
    const caught = run.drops.filter((d) => d.kind === 'seed' && paraphraseSeeds.some((s) => s.id === d.id));
    // Every paraphrase a test caught is out of the dataset, with its evolutions; each drop names its question.
    for (const d of caught) {
      const question = PARAPHRASES.find((p) => p.paraphrase === d.instruction)?.question_id;
      expect(
        d.matches.some((m) => m.line === question),
        d.instruction,
      ).toBe(true);
      expect(inData.has(d.instruction)).toBe(false);
    }
    const caughtIds = new Set(caught.map((d) => d.id));
    expect(run.emits.filter((e) => e.topic === 'curriculum' && caughtIds.has(e.record.seedId))).toEqual([]);
    expect(caught.length + leaked.length).toBe(80);
    // Measured with all-MiniLM-L6-v2 at 0.73 and n-grams at 0.4 (the same figures as
    // bench/decontaminate.ts): 68 of 80 caught; the 12 that pass share few words with their
    // question and sit below 0.73 (e.g. question 9, cosine 0.60). Neither test alone does as well.
    expect(caught.length).toBe(68);
    expect(leaked).toEqual([4, 9, 10, 12, 13, 22, 24, 26, 28, 30, 34, 53]);
    const ngramOnly = await mixRun(configFor(mode, ['ngram']), paraphraseSeeds, []);
    const embeddingOnly = await mixRun(configFor(mode, ['embedding']), paraphraseSeeds, []);
    expect(ngramOnly.stats.contaminatedSeeds).toBeLessThan(caught.length);
    expect(embeddingOnly.stats.contaminatedSeeds).toBeLessThan(caught.length);
    // Clean seeds flagged: a paraphrase of vicuna question 2 that self-instruct happens to hold, and a
    // linear equation to solve beside question 69 (another equation): the price of 0.73.
    const cleanDrops = run.drops.filter((d) => d.kind === 'seed' && cleanSeeds.some((s) => s.id === d.id));
    expect(cleanDrops.map((d) => [d.instruction, d.matches.map((m) => `${m.test} ${m.line}`)]).sort()).toEqual([
      ['Solving the equation and find the value of X. Show your steps.', ['embedding 69']],
      ['What are some things you can do to de-stress?', ['embedding 2']],
    ]);
  }, 240_000);
});

describe('mix decontamination config', () => {
  it('runs the n-gram test alone by default, in semantic mode as well (it is never swapped for embeddings)', async () => {
    const config = loadConfig({
      env: {},
      cwd: ROOT,
      overrides: { dedup: { mode: 'semantic' }, mix: { decontaminate: { sets: [vicunaPath] } } },
    });
    const run = await mixRun(config, copySeeds.slice(0, 3), []);
    expect(run.drops.map((d) => d.matches.map((m) => [m.test, m.threshold]))).toEqual([
      [['ngram', 0.4]],
      [['ngram', 0.4]],
      [['ngram', 0.4]],
    ]);
    expect(run.card).toContain('tests: content 2-gram containment >= 0.4; evaluation sets: `vicuna-80.jsonl` (80 items)');
  });

  it('fails to start, naming the setting, when the embedding test is named and its model cannot be loaded', async () => {
    const config = loadConfig({
      env: {},
      cwd: ROOT,
      overrides: {
        dedup: { modelDir: mkdtempSync(join(tmpdir(), 'no-model-')) },
        mix: { decontaminate: { sets: [vicunaPath], tests: ['embedding'], embeddingModel: 'no-such-model' } },
      },
    });
    await expect(createMixStage({ config, outDir: mkdtempSync(join(tmpdir(), 'stage-mix-nomodel-')), cwd: ROOT })).rejects.toThrow(
      /mix\.decontaminate\.tests names "embedding" but its model no-such-model/,
    );
  });
});
