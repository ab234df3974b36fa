// `evolflow stage <name>`: one stage as its own process (Kafka), the same main each service runs.
import { PIPELINE, type StageName } from '@evolflow/core';
import { serveStage } from '@evolflow/runtime';
import type { Command } from '../command.ts';
import { STAGE_FACTORIES } from '../pipeline.ts';

export const stageCommand: Command = {
  name: 'stage',
  summary: 'run one stage as its own process (evolflow stage evolve --transport kafka --brokers HOST:PORT)',
  usage: `Usage: evolflow stage <${PIPELINE.map((s) => s.name).join('|')}> [--transport kafka] [--brokers HOST:PORT] [--prefix P]
                      [--config FILE] [--llm sim|openai] [--base-url URL] [--concurrency N] [--out DIR]
Runs until SIGTERM/SIGINT, then finishes in-flight records, commits and exits.`,
  async run(argv) {
    const [name, ...rest] = argv;
    const spec = PIPELINE.find((s) => s.name === name);
    if (!spec) {
      process.stderr.write(`evolflow stage: name one of ${PIPELINE.map((s) => s.name).join(', ')}\n`);
      return 2;
    }
    return serveStage({ name: spec.name as StageName, create: STAGE_FACTORIES[spec.name], argv: rest });
  },
};
