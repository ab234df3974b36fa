// `evolflow report RUN_DIR [--out report.html]`: the self-contained HTML report of a finished run.
import { EvolflowError } from '@evolflow/core';
import { writeReport } from '@evolflow/observe';
import type { Args } from '../command.ts';
import type { REPORT_OPTIONS } from './options.ts';

/** `evolflow report`: the options are parsed and checked against REPORT_OPTIONS already. */
export async function run({ values, positionals }: Args<typeof REPORT_OPTIONS>): Promise<number> {
  if (positionals.length !== 1) {
    throw new EvolflowError(
      'input',
      `report: expected one run directory, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(' ')}; try 'evolflow report out/'`,
    );
  }
  const path = await writeReport(positionals[0] as string, values.out);
  process.stdout.write(`${path}\n`);
  return 0;
}
