// The shape of one `evolflow` subcommand. Each lives in its own file under commands/.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  /** One line for `evolflow --help`. */
  summary: string;
  /** Usage text for `evolflow <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** node:util parseArgs with strict checking and a usage error that names the bad flag. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  return parseArgs({ args: argv, options, strict: true, allowPositionals });
}
