// `evolflow estimate` (and `evolflow run --dry-run`): the calls, tokens and cost a run would spend.
import { loadConfig } from '@evolflow/core';
import { flagsToOverrides } from '@evolflow/runtime';
import type { Args } from '../command.ts';
import { estimateRun, formatEstimate } from '../estimate.ts';
import { SAMPLE_SEEDS } from '../package-file.ts';
import type { ESTIMATE_OPTIONS } from './options.ts';

/** `evolflow estimate`: the options are parsed and checked against ESTIMATE_OPTIONS already. */
export async function run({ values }: Args<typeof ESTIMATE_OPTIONS>): Promise<number> {
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: flagsToOverrides(values) });
  const estimate = await estimateRun({ config, seedFiles: values.seeds ?? [SAMPLE_SEEDS] });
  process.stdout.write(values.json ? `${JSON.stringify(estimate)}\n` : formatEstimate(estimate));
  return 0;
}
