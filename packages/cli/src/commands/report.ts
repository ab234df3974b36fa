// `evolflow report RUN_DIR [--out report.html]`: the self-contained HTML report of a finished run.
import { EvolflowError } from '@evolflow/core';
import { writeReport } from '@evolflow/observe';
import { parseFlags, type Command } from '../command.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write the self-contained HTML report of a run directory (evolflow report out/)',
  usage: `Usage: evolflow report RUN_DIR [--out FILE]
  RUN_DIR  the folder 'evolflow run --out DIR' wrote (run.json, kept.jsonl, rejected.jsonl, lineage.jsonl...)
  --out    where to write the report (default RUN_DIR/report.html)
Charts: accepted vs rejected per round, reject reasons per strategy, difficulty and length per round,
dedup similarity, tokens and cost per stage, throughput over time; sample evolution chains to read.
The file needs no network to open. 'evolflow run' writes it at the end of every run.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { out: { type: 'string' } }, true);
    if (positionals.length !== 1) {
      throw new EvolflowError('input', `report: expected one run directory, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(' ')}; try 'evolflow report out/'`);
    }
    const path = await writeReport(positionals[0] as string, values.out);
    process.stdout.write(`${path}\n`);
    return 0;
  },
};
