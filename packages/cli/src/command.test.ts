import { CONFIG_FLAGS } from '@evolflow/runtime';
import { describe, expect, it } from 'vitest';
import { commandHelp, parseCommandArgs, UsageError, type CommandSpec } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { CONFIG_OPTIONS } from './commands/options.ts';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo',
  description: 'Writes nothing.',
  synopsis: 'DIR',
  positionals: { min: 1, max: 1, what: 'one folder' },
  options: {
    rounds: { type: 'string', arg: 'N', number: 'int', help: 'rounds' },
    share: { type: 'string', arg: 'R', number: 'share', help: 'a share' },
    port: { type: 'string', arg: 'P', number: 'port', help: 'a port' },
    format: { type: 'string', arg: 'F', choices: ['alpaca', 'openai'], default: 'alpaca', help: 'the format' },
    seeds: { type: 'string', arg: 'FILE', multiple: true, help: 'seed files' },
    quiet: { type: 'boolean', help: 'say less' },
  },
  load: () => Promise.reject(new Error('not loaded in this test')),
};

const usage = (argv: string[]) => {
  try {
    parseCommandArgs(spec, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseCommandArgs', () => {
  it('parses flags by the table, with defaults, lists and positionals', () => {
    expect(parseCommandArgs(spec, ['out', '--rounds', '3', '--seeds', 'a', '--seeds', 'b', '--quiet'])).toEqual({
      values: { rounds: '3', seeds: ['a', 'b'], quiet: true, format: 'alpaca' },
      positionals: ['out'],
      argv: ['out', '--rounds', '3', '--seeds', 'a', '--seeds', 'b', '--quiet'],
    });
  });

  it('names every kind of usage error', () => {
    expect(usage(['out', '--bogus'])).toBe('demo: unknown option --bogus');
    expect(usage(['out', '--rounds', '2.5'])).toBe('demo: --rounds must be a whole number, not "2.5"');
    expect(usage(['out', '--rounds', ''])).toBe('demo: --rounds must be a whole number, not ""');
    expect(usage(['out', '--share', '1.5'])).toBe('demo: --share must be a number from 0 to 1, not "1.5"');
    expect(usage(['out', '--port', '65536'])).toBe('demo: --port must be a port number from 0 to 65535, not "65536"');
    expect(usage(['out', '--format', 'yaml'])).toBe('demo: --format must be one of alpaca, openai, not "yaml"');
    expect(usage(['out', '--rounds'])).toMatch(/^demo: Option '--rounds <value>' argument missing/);
    expect(usage([])).toBe('demo: expected one folder, got none');
    expect(usage(['a', 'b'])).toBe('demo: expected one folder, got "a" "b"');
  });
});

describe('the command table', () => {
  it('documents every option of every command in its help', () => {
    for (const c of COMMANDS) {
      const help = commandHelp(c);
      expect(help.startsWith(`Usage: evolflow ${c.name}`), c.name).toBe(true);
      for (const [name, o] of Object.entries(c.options)) {
        expect(help, `${c.name} --${name}`).toContain(`--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`);
        expect(o.help.length, `${c.name} --${name} has help`).toBeGreaterThan(0);
      }
    }
  });

  it('has one entry per name', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });

  it("gives the pipeline commands the same config flags that @evolflow/runtime's serveStage parses", () => {
    expect(Object.keys(CONFIG_OPTIONS).sort()).toEqual(Object.keys(CONFIG_FLAGS).sort());
    for (const [name, o] of Object.entries(CONFIG_FLAGS)) expect(CONFIG_OPTIONS[name as keyof typeof CONFIG_OPTIONS].type).toBe(o.type);
  });
});
