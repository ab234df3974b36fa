// The shape of one `evolflow` subcommand and the one parser every command goes through: a table of
// options per command drives node:util parseArgs, the value checks and the per-flag help, so a flag
// cannot be accepted without being documented, nor documented without being accepted.
import { parseArgs } from 'node:util';

/** One option of a command's table. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given more than once (the value is then a list). */
  multiple?: boolean;
  /** One-letter alias (`-o`). */
  short?: string;
  /** Placeholder of a string option's value in the help: FILE, N, DIR. */
  arg?: string;
  /** What it does, for `evolflow help <command>` (wrapped there; may hold several sentences). */
  help: string;
  /** The only values a string option accepts; anything else is a usage error (exit 2). */
  choices?: readonly string[];
  /** A string option that must be a number: a whole number, any number, a port (0..65535), a share (0..1). */
  number?: 'int' | 'number' | 'port' | 'share';
  /** The value when the option is not given (shown in the help). */
  default?: string | boolean;
}

/** A command's options, by long name (without the dashes). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? O['multiple'] extends true
    ? boolean[]
    : boolean
  : O['multiple'] extends true
    ? string[]
    : string;

/** The parsed values of an option table: the type parseArgs gives them. */
export type ValuesOf<T extends OptionTable> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

/** What a command's implementation is called with: its checked flags and positionals. */
export interface Args<T extends OptionTable = OptionTable> {
  values: ValuesOf<T>;
  positionals: string[];
  /** The command's own arguments as typed (to print the command line that resumes a run). */
  argv: string[];
}

/** A command's implementation module: `run` resolves to the process exit code. */
export interface CommandModule {
  run(args: Args): Promise<number>;
}

/**
 * One `evolflow` subcommand: its table entry in commands/index.ts. Everything `evolflow help`
 * prints comes from here; the implementation is imported only when the command runs, so that
 * `evolflow --help` loads no heavy module.
 */
export interface CommandSpec {
  name: string;
  /** One line for `evolflow --help`. */
  summary: string;
  /** What follows the command name in the usage line besides the options: `RUN_DIR`, `[FILE...]`. */
  synopsis?: string;
  /** Positional arguments accepted: none unless given (a count outside min..max is a usage error). */
  positionals?: { min: number; max: number; /** What they are, for the usage error: "one run directory". */ what?: string };
  /** Paragraphs shown after the option list (what the command writes, exit codes...). */
  description: string;
  options: OptionTable;
  /** Hand every argument after the command name to the implementation unparsed (it parses them itself). */
  passThrough?: boolean;
  /** Import the implementation. */
  load(): Promise<CommandModule>;
}

/** A usage error: printed with a pointer to the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** `value` of `--flag` against the option's choices and number kind; `command` names the command in the error. */
function checkValue({ command, flag }: { command: string; flag: string }, spec: OptionSpec, value: string): void {
  if (spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(`${command}: --${flag} must be one of ${spec.choices.join(', ')}, not "${value}"`);
  }
  if (spec.number === undefined) return;
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (spec.number === 'int'
      ? Number.isInteger(n)
      : spec.number === 'port'
        ? Number.isInteger(n) && n >= 0 && n <= 65535
        : spec.number === 'share'
          ? n >= 0 && n <= 1
          : true);
  if (!ok) {
    const want = { int: 'a whole number', number: 'a number', port: 'a port number from 0 to 65535', share: 'a number from 0 to 1' }[
      spec.number
    ];
    throw new UsageError(`${command}: --${flag} must be ${want}, not "${value}"`);
  }
}

/** Parse a command's arguments against its table; any unknown option, missing value or bad value is a UsageError. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): Args {
  if (spec.passThrough) return { values: {}, positionals: argv, argv };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = {
      type: o.type,
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.short ? { short: o.short } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (err) {
    const message = (err as Error).message
      .replace(/\. To specify a positional argument starting with a '-'.*$/s, '')
      .replace(/^Unknown option '([^']+)'$/, 'unknown option $1');
    throw new UsageError(`${spec.name}: ${message}`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    const o = spec.options[name];
    if (o?.type !== 'string' || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) checkValue({ command: spec.name, flag: name }, o, String(v));
  }
  const n = parsed.positionals.length;
  if (spec.positionals && (n < spec.positionals.min || n > spec.positionals.max)) {
    const count =
      spec.positionals.min === spec.positionals.max ? `${spec.positionals.min}` : `${spec.positionals.min} to ${spec.positionals.max}`;
    const want = spec.positionals.what ?? `${count} argument(s) (${spec.synopsis ?? ''})`;
    throw new UsageError(`${spec.name}: expected ${want}, got ${n === 0 ? 'none' : parsed.positionals.map((p) => `"${p}"`).join(' ')}`);
  }
  return { values: parsed.values as Args['values'], positionals: parsed.positionals, argv };
}

/** Wrap `text` to `width` columns, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The full help of one command: usage line, description, every option with its help, from the table. */
export function commandHelp(spec: CommandSpec): string {
  const flags = Object.entries(spec.options).map(([name, o]) => {
    const head = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const extras = [
      o.choices ? `one of: ${o.choices.join(', ')}` : '',
      o.multiple ? 'repeatable' : '',
      o.default !== undefined && o.default !== false ? `default: ${String(o.default)}` : '',
    ].filter(Boolean);
    return { head, text: `${o.help}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}` };
  });
  flags.push({ head: '-h, --help', text: 'show this help' });
  const col = Math.min(Math.max(...flags.map((f) => f.head.length)) + 4, 34);
  const optionLines = flags.map(
    (f) => `  ${f.head.padEnd(col - 2)}${f.head.length > col - 3 ? `\n${' '.repeat(col)}` : ''}${wrap(f.text, 100 - col, col)}`,
  );
  const usage = `Usage: evolflow ${spec.name}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}${spec.synopsis ? ` ${spec.synopsis}` : ''}`;
  return `${usage}\n\n${spec.summary}\n\nOptions:\n${optionLines.join('\n')}\n${spec.description ? `\n${spec.description.trim()}\n` : ''}`;
}
