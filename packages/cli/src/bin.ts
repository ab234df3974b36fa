// Entry point of the `evolflow` command.
import { COMMANDS } from './commands/index.ts';
import { EvolflowError } from '@evolflow/core';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
    process.stdout.write(`evolflow: Evol-Instruct as a streaming data flywheel\n\nUsage: evolflow <command> [options]\n\nCommands:\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nRun 'evolflow <command> --help' for a command's options.\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`evolflow: unknown command "${name}"; run 'evolflow --help' for the list\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof EvolflowError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`evolflow: ${(err as Error).message}\n`);
    } else {
      process.stderr.write(`evolflow: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
