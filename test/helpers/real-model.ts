// The real-model run shared by the end-to-end tests and bench/real-model.ts: a handful of real seeds,
// 2 rounds, every stage, against SmolLM2-135M-Instruct served on 127.0.0.1 (live, or replayed from
// a recording), and what must hold whatever the model says.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, mergeDeep, type Config } from '@evolflow/core';
import { localModelPath, readRecording } from '@evolflow/local-llm';
import { ROOT, readJsonl, runPipeline, type RunResult } from './run.ts';

/** Real seeds for the real model: short self-instruct tasks (Apache-2.0; see the fixture's README). */
export const REAL_SEEDS = resolve(ROOT, 'packages/local-llm/fixtures/seeds.jsonl');
/** The committed recording of a live run of `realModelConfig` on REAL_SEEDS (re-record: bench/real-model.ts --record). */
export const REAL_RECORDING = resolve(ROOT, 'packages/local-llm/fixtures/smollm2-run.jsonl');

/**
 * The code and math packs with the real model: 6 math and 6 coding seeds (see the fixtures' README),
 * only the packs' strategies, through every stage including verify.
 */
export const PACKS_SEEDS = resolve(ROOT, 'packages/local-llm/fixtures/packs-seeds.jsonl');
/** The committed recording of a live packs run (re-record: bench/real-model.ts --record --packs). */
export const PACKS_RECORDING = resolve(ROOT, 'packages/local-llm/fixtures/smollm2-packs-run.jsonl');
/** The packs run's settings over `realModelConfig`: one listed strategy is required; the packs add the other seven. */
export const PACKS_OVERRIDES = { strategies: { enabled: ['math-harder'], packs: ['code', 'math'] } };

/** The GGUF `npm test` provisions (scripts/test.sh); a clear error when it is missing. */
export function realModelPath(): string {
  const path = localModelPath(resolve(ROOT, '.evolflow/models'));
  if (!existsSync(path))
    throw new Error(`the real model is not at ${path}: run \`npx tsx packages/local-llm/src/bin.ts pull\` (npm test does it)`);
  return path;
}

export interface RealRunOptions {
  baseUrl: string;
  outDir: string;
  /** Settings as before issue 11 (no stop sequences, a judge with 1024 tokens), for the bench's "before" figure. */
  legacy?: boolean;
  rounds?: number;
  /** The evolver and responder at the config's default maxTokens (2048, 1024) instead of the test's small ones. */
  defaultLimits?: boolean;
  /** Seed file (default REAL_SEEDS). */
  seeds?: string;
  /** Config merged over the run's (the packs case: strategies.packs). */
  overrides?: unknown;
}

/** The config of the real-model run: small token limits (the model is slow), no cache, every strategy. */
export function realModelConfig(options: RealRunOptions): Readonly<Config> {
  const legacy = options.legacy ? { roles: { evolver: { stop: [] }, responder: { stop: [] }, judge: { stop: [], maxTokens: 1024 } } } : {};
  return loadConfig({
    env: {},
    cwd: ROOT,
    overrides: mergeDeep(
      {
        run: { rounds: options.rounds ?? 2, outDir: options.outDir, seed: 42 },
        llm: {
          provider: 'openai',
          baseUrl: options.baseUrl,
          apiKey: 'none',
          concurrency: 4,
          maxRetries: 1,
          timeoutMs: 300_000,
          cache: { enabled: false },
          roles: options.defaultLimits
            ? { evolver: { model: 'smollm2' }, responder: { model: 'smollm2' }, judge: { model: 'smollm2' } }
            : {
                evolver: { model: 'smollm2', maxTokens: 192 },
                responder: { model: 'smollm2', maxTokens: 256 },
                judge: { model: 'smollm2' },
              },
        },
        stages: { concurrency: 4 },
        // A system turn and a worked example: without them the 135M model answers nearly every prompt.
        strategies: { workedExample: true },
        mix: { parquet: false },
      },
      mergeDeep({ llm: legacy }, options.overrides ?? {}),
    ),
  });
}

export interface RealRunFigures {
  evolutions: number;
  kept: number;
  rejected: Record<string, number>;
  verdicts: Record<string, number>;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** All tokens spent (evolver, responder, judge) divided by kept evolutions. */
  tokensPerKept: number | null;
  dataset: number;
}

/** Kept evolutions, rejects by reason, judge verdicts and tokens of a finished run. */
export function realRunFigures(result: RunResult): RealRunFigures {
  const kept = readJsonl(join(result.outDir, 'kept.jsonl'));
  const rejected = readJsonl(join(result.outDir, 'rejected.jsonl')).filter((r) => r.round > 0);
  const byReason: Record<string, number> = {};
  for (const r of rejected) byReason[r.rejection?.reason ?? '?'] = (byReason[r.rejection?.reason ?? '?'] ?? 0) + 1;
  const verdicts: Record<string, number> = {};
  for (const r of [...kept, ...rejected]) {
    for (const c of r.checks) if (c.stage === 'eliminate' && c.verdict) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
  }
  const usage = result.summary.llm as unknown as { calls: number; promptTokens: number; completionTokens: number };
  const tokens = usage.promptTokens + usage.completionTokens;
  const keptEvolutions = kept.filter((r) => r.round > 0).length;
  return {
    evolutions: result.summary.totals.evolutions,
    kept: keptEvolutions,
    rejected: byReason,
    verdicts,
    calls: usage.calls,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    tokensPerKept: keptEvolutions === 0 ? null : Math.round(tokens / keptEvolutions),
    dataset: result.summary.totals.dataset,
  };
}

/** Run the pipeline on REAL_SEEDS against the endpoint at `baseUrl`. */
export async function runRealModel(options: RealRunOptions): Promise<{ result: RunResult; figures: RealRunFigures }> {
  const result = await runPipeline(realModelConfig(options), [options.seeds ?? REAL_SEEDS]);
  return { result, figures: realRunFigures(result) };
}

export { readRecording };
