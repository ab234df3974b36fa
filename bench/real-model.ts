// The real model in the loop: runs the real seeds for 2 rounds through every stage against
// SmolLM2-135M-Instruct (node-llama-cpp, one thread) and prints what was kept, rejected by reason,
// the judge's verdicts and the tokens spent per kept record; writes bench/results/real-model.json.
//   npx tsx bench/real-model.ts              current settings (stop sequences, small judge limit)
//   npx tsx bench/real-model.ts --compare    also the settings before them, for tokens per kept record
//   npx tsx bench/real-model.ts --compare --default-limits   the same at the default maxTokens (evolver 2048, responder 1024)
//   npx tsx bench/real-model.ts --record     re-record packages/local-llm/fixtures/smollm2-run.jsonl
//   npx tsx bench/real-model.ts --record --corpus   the wider corpus (sample + 40 self-instruct seeds)
//   npx tsx bench/real-model.ts --packs      the code and math packs on their 12 seeds (with --record:
//                                            re-record packages/local-llm/fixtures/smollm2-packs-run.jsonl)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalLlm } from '@evolflow/local-llm';
import { seedTasksPath } from '@evolflow/testdata';
import { ROOT, tempDir, runPipeline } from '../test/helpers/run.ts';
import {
  PACKS_OVERRIDES,
  PACKS_RECORDING,
  PACKS_SEEDS,
  REAL_RECORDING,
  REAL_SEEDS,
  realModelConfig,
  realModelPath,
  realRunFigures,
  type RealRunFigures,
} from '../test/helpers/real-model.ts';

const { values } = parseArgs({
  options: {
    compare: { type: 'boolean' },
    record: { type: 'boolean' },
    corpus: { type: 'boolean' },
    packs: { type: 'boolean' },
    threads: { type: 'string' },
    'default-limits': { type: 'boolean' },
  },
});
const threads = Number(values.threads ?? 1);

/** The corpus seeds: the CLI's 20 bundled samples plus 40 short self-instruct tasks not in REAL_SEEDS. */
function corpusSeeds(dir: string): string {
  const sample = readFileSync(resolve(ROOT, 'packages/cli/data/sample-seeds.jsonl'), 'utf8').trim().split('\n');
  const taken = new Set(
    readFileSync(REAL_SEEDS, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { instruction: string }).instruction),
  );
  const tasks = readFileSync(seedTasksPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { instruction: string; instances: { input: string; output: string }[] });
  const extra = tasks
    .filter((t) => !taken.has(t.instruction) && t.instruction.length < 90 && (t.instances[0]?.output.length ?? 0) < 400)
    .slice(0, 40)
    .map((t) => JSON.stringify({ instruction: t.instruction, input: t.instances[0]?.input ?? '', output: t.instances[0]?.output ?? '' }));
  const file = join(dir, 'corpus-seeds.jsonl');
  writeFileSync(file, `${[...sample, ...extra].join('\n')}\n`);
  return file;
}

async function once(label: string, legacy: boolean, record?: string): Promise<RealRunFigures & { label: string; seconds: number }> {
  const dir = tempDir('real-bench');
  if (record) rmSync(record, { force: true });
  const server = await startLocalLlm({ modelPath: realModelPath(), threads, ...(record ? { record } : {}) });
  const started = Date.now();
  try {
    const seeds = values.corpus ? corpusSeeds(dir) : values.packs ? PACKS_SEEDS : REAL_SEEDS;
    const result = await runPipeline(
      realModelConfig({
        baseUrl: server.url,
        outDir: join(dir, 'out'),
        legacy,
        defaultLimits: values['default-limits'] ?? false,
        ...(values.packs ? { overrides: PACKS_OVERRIDES } : {}),
      }),
      [seeds],
    );
    const figures = realRunFigures(result);
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(
      `${label}: ${figures.evolutions} evolutions, ${figures.kept} kept, rejected ${JSON.stringify(figures.rejected)}, verdicts ${JSON.stringify(figures.verdicts)}`,
    );
    console.log(
      `  ${figures.calls} calls, ${figures.promptTokens} prompt + ${figures.completionTokens} completion tokens, ${figures.tokensPerKept ?? 'n/a'} tokens per kept record, ${figures.dataset} dataset rows, ${seconds} s`,
    );
    return { label, ...figures, seconds };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = [];
if (values.record) {
  const file = values.corpus
    ? resolve(ROOT, 'packages/local-llm/fixtures/smollm2-corpus.jsonl')
    : values.packs
      ? PACKS_RECORDING
      : REAL_RECORDING;
  runs.push(await once('recorded', false, file));
  console.log(`recorded ${readFileSync(file, 'utf8').trim().split('\n').length} exchanges into ${file}`);
} else {
  runs.push(await once('now (stop sequences, small judge limit)', false));
  if (values.compare) runs.push(await once('before (no stop sequences, judge maxTokens 1024)', true));
}
mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
const out = resolve(
  ROOT,
  `bench/results/real-model${values.corpus ? '-corpus' : ''}${values.packs ? '-packs' : ''}${values['default-limits'] ? '-default-limits' : ''}.json`,
);
writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), model: 'SmolLM2-135M-Instruct Q4_1', threads, runs }, null, 2)}\n`);
console.log(`wrote ${out}`);
