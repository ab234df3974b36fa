// Evaluation questions given as seeds never reach dataset.jsonl when decontamination names their
// set: the whole pipeline (seed -> replay -> mix, and their evolutions through every stage), replay
// share 0.5, in exact and semantic dedup modes, with the n-gram and embedding tests together.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSeedTasks, readVicunaQuestions, vicunaPath } from '@evolflow/testdata';
import { readJsonl, runPipeline, simConfig, tempDir } from './helpers/run.ts';

process.env.HF_HUB_OFFLINE = '1';
const QUESTIONS = readVicunaQuestions();
const PARAPHRASES = readFileSync(
  fileURLToPath(new URL('../services/stage-mix/src/fixtures/vicuna-80-paraphrases.jsonl', import.meta.url)),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { question_id: number; paraphrase: string });
// 30 self-instruct seeds, vicuna questions 1-10 copied and 51-60 paraphrased, every one with an answer.
const COPIED = QUESTIONS.slice(0, 10);
const PARAPHRASED = PARAPHRASES.filter((p) => p.question_id > 50 && p.question_id <= 60);

function seedFile(): string {
  const lines = [
    ...readSeedTasks()
      .slice(0, 30)
      .map((t) => ({ instruction: t.instruction, input: t.instances[0]?.input ?? '', output: t.instances[0]?.output ?? '' })),
    ...COPIED.map((q) => ({ instruction: q, output: 'A careful answer to the question.' })),
    ...PARAPHRASED.map((p) => ({ instruction: p.paraphrase, output: 'A careful answer to the question.' })),
  ];
  const file = join(tempDir('decon-seeds'), 'seeds.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return file;
}

describe.each(['exact', 'semantic'] as const)('decontaminated seeds through the whole pipeline, dedup.mode %s', (mode) => {
  it('keeps every copied question, and every paraphrase a test catches, out of dataset.jsonl, and lists each in contaminated.jsonl', async () => {
    const outDir = tempDir(`decon-${mode}`);
    const config = simConfig({
      run: { rounds: 1, outDir, seed: 5 },
      llm: { cache: { enabled: false, dir: tempDir('decon-cache') } },
      dedup: { mode },
      mix: { replayShare: 0.5, decontaminate: { sets: [vicunaPath], tests: ['ngram', 'embedding'] } },
    });
    await runPipeline(config, [seedFile()]);
    const rows = readJsonl<{ instruction: string }>(join(outDir, 'data/jsonl/train-00000-of-00001.jsonl')).map((r) => r.instruction);
    const inData = new Set(rows);
    expect(COPIED.filter((q) => inData.has(q))).toEqual([]);
    // Paraphrase 53 (cosine 0.67 to its question, few shared words) is the one of these ten both tests miss.
    expect(PARAPHRASED.filter((p) => inData.has(p.paraphrase)).map((p) => p.question_id)).toEqual([53]);
    // Nothing in the dataset descends from a dropped seed.
    const drops = readJsonl<{
      id: string;
      seedId: string;
      kind: string;
      via: string;
      matches: { set: string; line: number; test: string }[];
    }>(join(outDir, 'contaminated.jsonl'));
    const droppedSeeds = drops.filter((d) => d.kind === 'seed');
    expect(droppedSeeds).toHaveLength(19);
    expect(droppedSeeds.every((d) => d.matches.length > 0 && d.matches.every((m) => m.set === 'vicuna-80.jsonl'))).toBe(true);
    const kept = readJsonl<{ id: string; seedId: string; instruction: string }>(join(outDir, 'kept.jsonl'));
    const droppedSeedIds = new Set(droppedSeeds.map((d) => d.id));
    const keptFromDropped = kept.filter((r) => droppedSeedIds.has(r.seedId));
    for (const r of keptFromDropped) expect(inData.has(r.instruction), r.id).toBe(false);
    // Every drop is in rejected.jsonl as a mix rejection, and the card names the set, not its path.
    const rejected = readJsonl<{ id: string; rejection: { stage: string; reason: string } }>(join(outDir, 'rejected.jsonl')).filter(
      (r) => r.rejection.stage === 'mix',
    );
    expect(rejected.map((r) => r.id).sort()).toEqual(drops.map((d) => d.id).sort());
    expect(rejected.every((r) => r.rejection.reason === 'contaminated')).toBe(true);
    const card = readFileSync(join(outDir, 'README.md'), 'utf8');
    expect(card).toContain('`vicuna-80.jsonl` (80 items)');
    expect(card).not.toContain(vicunaPath);
    expect(card).not.toContain(outDir);
  }, 300_000);
});
