// Shared helpers for end-to-end tests: a config for a simulated run, running the pipeline in
// process, and reading a run's output files.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, mergeDeep, type Config, type EvolRecord } from '@evolflow/core';
import { InMemoryTransport, type Transport } from '@evolflow/transport';
import { jsonLogger, setupLlm, type LlmSetup } from '@evolflow/runtime';
import { startPipeline, type RunSummary } from '@evolflow/cli';
import { seedTasksPath } from '@evolflow/testdata';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SELF_INSTRUCT = seedTasksPath;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `evolflow-${prefix}-`));
}

/** A frozen config for a simulated run; `overrides` merge over the defaults. */
export function simConfig(overrides: unknown): Readonly<Config> {
  return loadConfig({ env: {}, cwd: ROOT, overrides: mergeDeep({ llm: { provider: 'sim' } }, overrides) });
}

export interface RunResult {
  summary: RunSummary;
  llm: LlmSetup;
  outDir: string;
}

/** Run the whole pipeline in this process; the simulator is started in-process unless llm.baseUrl is set. */
export async function runPipeline(
  config: Readonly<Config>,
  seedFiles: string[],
  options: { transport?: Transport; keepLlm?: boolean } = {},
): Promise<RunResult> {
  const llm = await setupLlm(config);
  const transport = options.transport ?? new InMemoryTransport();
  const pipeline = await startPipeline({ config, seedFiles, transport, llm: llm.llm, logger: jsonLogger('error'), cwd: ROOT });
  const summary = await pipeline.done;
  await transport.close();
  if (!options.keepLlm) await llm.close();
  return { summary, llm, outDir: config.run.outDir };
}

export function readJsonl<T = EvolRecord>(path: string): T[] {
  const text = readFileSync(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
