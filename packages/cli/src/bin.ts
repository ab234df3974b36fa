// Entry point of the `evolflow` command: --version, help, and dispatch through the command table.
// Only the table (commands/index.ts) is loaded up front; a command's implementation, and every
// heavy library it needs, is imported when that command runs, so `evolflow --help` starts fast.
import pkg from '../package.json' with { type: 'json' };
import { COMMANDS, commandSpec } from './commands/index.ts';
import { commandHelp, parseCommandArgs, UsageError } from './command.ts';
import { EXIT } from './outcome.ts';

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return `evolflow ${pkg.version}: Evol-Instruct as a streaming data flywheel

Usage: evolflow <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show this help ('evolflow help <command>' or 'evolflow <command> --help' for a command's options)
  -V, --version  print the version

Exit codes: 0 done, 1 error, 2 bad usage, 3-8 and 130/143 see 'evolflow help run' (README: Exit codes).
`;
}

/** Edit distance of two short words. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length] as number;
}

/** The command a mistyped name most likely meant (a prefix of it, or two edits away), for the error message. */
function closest(name: string): string | undefined {
  return COMMANDS.find((c) => c.name.startsWith(name))?.name ?? COMMANDS.find((c) => distance(name, c.name) <= 2)?.name;
}

function unknownCommand(name: string): never {
  const guess = closest(name);
  throw new UsageError(`unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; run 'evolflow --help' for the list`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${pkg.version}\n`);
    return EXIT.ok;
  }
  if (name === undefined) {
    process.stderr.write(topHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(topHelp());
    return EXIT.ok;
  }
  if (name === 'help') {
    if (rest.length > 1) throw new UsageError(`help: name one command, not ${rest.length}`);
    const spec = commandSpec(rest[0] as string) ?? unknownCommand(rest[0] as string);
    process.stdout.write(commandHelp(spec));
    return EXIT.ok;
  }
  if (name.startsWith('-')) throw new UsageError(`unknown option ${name} before the command; run 'evolflow --help'`);
  const spec = commandSpec(name) ?? unknownCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(spec));
    return EXIT.ok;
  }
  const args = parseCommandArgs(spec, rest);
  return (await spec.load()).run(args);
}

const USAGE_ERRORS = new Set([
  'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
]);

/** The exit code of a failure: the one an error names, 2 for usage, config and input errors, else 1. */
async function exitCodeOf(err: unknown): Promise<number> {
  if (err instanceof UsageError) return EXIT.usage;
  const { EvolflowError } = await import('@evolflow/core');
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
  async (err: unknown) => {
    if (err instanceof UsageError) {
      const command = commandSpec(process.argv[2] ?? '');
      process.stderr.write(`evolflow: ${err.message}${command ? `\nSee 'evolflow help ${command.name}' for its options.` : ''}\n`);
      process.exit(EXIT.usage);
    }
    const { EvolflowError, redactText } = await import('@evolflow/core');
    const code = await exitCodeOf(err);
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
