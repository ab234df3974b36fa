// Entry point of the `evolflow` command.
import { COMMANDS } from './commands/index.ts';
import { EvolflowError, redactText } from '@evolflow/core';
import { EXIT } from './outcome.ts';

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

const USAGE_ERRORS = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL']);

/** The exit code of a failure: the one an error names, 2 for usage, config and input errors, else 1. */
function exitCodeOf(err: unknown): number {
  if (err instanceof EvolflowError) {
    const named = err.details.exitCode;
    if (typeof named === 'number') return named;
    if (err.code === 'transport') return EXIT.transport;
    return err.code === 'config' || err.code === 'input' || err.code === 'plugin' ? EXIT.usage : EXIT.internal;
  }
  return USAGE_ERRORS.has(String((err as { code?: unknown }).code)) ? EXIT.usage : EXIT.internal;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Everything the command wrote is out (standard streams are synchronous on files and pipes): leave
    // now, without waiting for LLM calls a stopped run abandoned or a handle someone forgot.
    process.exit(code);
  },
  (err: unknown) => {
    const code = exitCodeOf(err);
    const message = redactText(err instanceof Error ? err.message : String(err));
    if (err instanceof EvolflowError || code === EXIT.usage) {
      process.stderr.write(`evolflow: ${message}\n`);
    } else if (process.env.EVOLFLOW_DEBUG) {
      process.stderr.write(`evolflow: unexpected error: ${redactText((err as Error).stack ?? String(err))}\n`);
    } else {
      process.stderr.write(`evolflow: unexpected error: ${message} (a bug: set EVOLFLOW_DEBUG=1 for the stack trace and report it)\n`);
    }
    // Leave now: a handle opened before the failure (an in-process simulator, a Kafka client still
    // retrying an unreachable broker) would otherwise keep the process alive after the message.
    process.exit(code);
  },
);
