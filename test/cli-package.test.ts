// The `evolflow` package as a user gets it: packages/cli/build.mjs builds and packs it, the tarball is
// installed into an empty temp folder with no workspace around it (`npm install TARBALL`; the npm
// registry, or the npm cache with --prefer-offline, supplies its dependencies, native ones built on
// install), and the installed command answers --version, --help and `help <command>`, runs one seed
// against the simulator with the same counts as the clone, estimates a run within 15% of what the
// simulator run really spends, stops at --max-cost with exit 8, and exits 2 on every usage error.
import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '@evolflow/cli';
import { seedTasksPath } from '@evolflow/testdata';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'evolflow-cli-package-'));
const prefix = join(work, 'install');
const bin = join(prefix, 'node_modules', '.bin', 'evolflow');

/** The environment of a new shell: nothing of this vitest run, of npm's script variables or of evolflow's settings leaks in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !/^(VITEST|EVOLFLOW_|OPENAI_|TEST$|NODE_ENV$|NODE_OPTIONS$|TSX_|INIT_CWD$|npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$)/.test(
        key,
      )
    )
      env[key] = value;
  }
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...(existsSync('/usr/include/node') ? { npm_config_nodedir: '/usr' } : {}) };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: readonly string[], options: { cwd: string; timeout?: number }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: cleanEnv(), timeout: options.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The installed command, run from a fresh folder (its own .evolflow/ cache, no evolflow.config.yaml). */
function evolflow(args: readonly string[], cwd = mkdtempSync(join(work, 'cwd-'))): Promise<Ran> {
  return exec(bin, args, { cwd });
}

interface RunJson {
  partial: boolean;
  stoppedBy?: string;
  outcome: { exitCode: number; status: string };
  totals: { seeds: number; evolutions: number; kept: number; rejected: number; dataset: number };
  llm: {
    calls: number;
    promptTokens: number;
    completionTokens: number;
    byRole: Record<string, { calls: number; promptTokens: number; completionTokens: number }>;
  };
}

const runJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunJson;

interface EstimateJson {
  seeds: number;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

beforeAll(async () => {
  const packed = await exec(
    process.execPath,
    [join(ROOT, 'packages/cli/build.mjs'), '--out', join(work, 'build'), '--pack', join(work, 'tarball')],
    { cwd: ROOT },
  );
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = packed.stdout.trim().split('\n').at(-1) as string;
  expect(tarball).toMatch(/evolflow-cli-.*\.tgz$/);
  // An empty folder under the system temp folder: no package.json or node_modules above it.
  const installed = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', prefix, tarball], {
    cwd: work,
    timeout: 900_000,
  });
  expect(installed.code, installed.stderr).toBe(0);
  expect(existsSync(bin)).toBe(true);
}, 1_200_000);

describe('the packed evolflow CLI, installed from its tarball into an empty folder', () => {
  it('carries no TypeScript sources and no workspace package: the bundle, its declarations and the sample seeds', () => {
    const pkg = join(prefix, 'node_modules', '@evolflow', 'cli');
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'lib', 'bin.js'))).toBe(true);
    expect(existsSync(join(pkg, 'types', 'packages', 'cli', 'src', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(pkg, 'data', 'sample-seeds.jsonl'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@evolflow/'))).toEqual([]);
    for (const native of ['lmdb', 'hnswlib-node', 'node-llama-cpp', '@huggingface/transformers'])
      expect(manifest.dependencies).toHaveProperty([native]);
    expect(existsSync(join(prefix, 'node_modules', '@evolflow', 'core'))).toBe(false);
  });

  it('prints its version', async () => {
    const r = await evolflow(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('lists every command in --help, and prints every option of a command in help <command> and <command> --help', async () => {
    const top = await evolflow(['--help']);
    expect(top.code).toBe(0);
    for (const c of COMMANDS)
      expect(top.stdout).toContain(`  ${c.name.padEnd(Math.max(...COMMANDS.map((x) => x.name.length)))}  ${c.summary}`);
    for (const c of COMMANDS) {
      const help = await evolflow(['help', c.name]);
      expect(help.code, c.name).toBe(0);
      expect(help.stdout).toContain(`Usage: evolflow ${c.name}`);
      for (const [flag, o] of Object.entries(c.options))
        expect(help.stdout, `${c.name} --${flag}`).toContain(`--${flag}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`);
      expect((await evolflow([c.name, '--help'])).stdout).toBe(help.stdout);
    }
  }, 300_000);

  it('runs one seed against the simulator with the same counts as the clone', async () => {
    const cwd = mkdtempSync(join(work, 'one-seed-'));
    const seeds = join(cwd, 'one.jsonl');
    writeFileSync(
      seeds,
      `${readFileSync(join(prefix, 'node_modules', '@evolflow', 'cli', 'data', 'sample-seeds.jsonl'), 'utf8').split('\n')[0]}\n`,
    );
    const r = await evolflow(['run', '--seeds', seeds, '--out', 'out', '--no-progress'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SIMULATED DATA');
    const installed = runJson(join(cwd, 'out'));
    // One seed, 4 rounds (the default), every evolution kept: 4 evolver, 4 responder and 4 judge calls.
    expect(installed.totals).toMatchObject({ seeds: 1, evolutions: 4, kept: 4, rejected: 0, dataset: 5 });
    expect(installed.llm.calls).toBe(12);
    expect(
      readFileSync(join(cwd, 'out', 'kept.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(4);
    // The same run from the clone (TypeScript through tsx): the same calls and tokens.
    const cloneCwd = mkdtempSync(join(work, 'clone-'));
    const clone = await exec(
      process.execPath,
      [join(ROOT, 'packages/cli/bin/evolflow.js'), 'run', '--seeds', seeds, '--out', 'out', '--no-progress'],
      { cwd: cloneCwd },
    );
    expect(clone.code, clone.stderr).toBe(0);
    const fromClone = runJson(join(cloneCwd, 'out'));
    expect(installed.totals).toEqual(fromClone.totals);
    expect({ calls: installed.llm.calls, prompt: installed.llm.promptTokens, completion: installed.llm.completionTokens }).toEqual({
      calls: fromClone.llm.calls,
      prompt: fromClone.llm.promptTokens,
      completion: fromClone.llm.completionTokens,
    });
  }, 300_000);

  it('estimates the calls and tokens of a simulator run within 15%, and --dry-run prints the same estimate without calling any LLM', async () => {
    const cwd = mkdtempSync(join(work, 'estimate-'));
    // 30 real seeds (self-instruct's seed tasks), not the bundled sample the simulator's typical lengths were measured on.
    const seeds = join(cwd, 'seeds.jsonl');
    writeFileSync(seeds, `${readFileSync(seedTasksPath, 'utf8').split('\n').slice(0, 30).join('\n')}\n`);
    writeFileSync(join(cwd, 'nocache.yaml'), 'llm:\n  cache: { enabled: false }\n');
    const est = await evolflow(['estimate', '--seeds', seeds, '--config', 'nocache.yaml', '--json'], cwd);
    expect(est.code, est.stderr).toBe(0);
    const e = JSON.parse(est.stdout) as EstimateJson;
    expect(e.seeds).toBe(30);
    const r = await evolflow(['run', '--seeds', seeds, '--config', 'nocache.yaml', '--out', 'out', '--no-progress'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const real = runJson(join(cwd, 'out')).llm;
    const ratios = {
      calls: e.calls / real.calls,
      promptTokens: e.promptTokens / real.promptTokens,
      completionTokens: e.completionTokens / real.completionTokens,
    };
    for (const [what, ratio] of Object.entries(ratios)) {
      expect(ratio, `${what}: estimated / spent`).toBeGreaterThanOrEqual(0.85);
      expect(ratio, `${what}: estimated / spent`).toBeLessThanOrEqual(1.15);
    }
    const dry = await evolflow(['run', '--dry-run', '--seeds', seeds, '--config', 'nocache.yaml', '--out', 'dry'], cwd);
    expect(dry.code, dry.stderr).toBe(0);
    const table = await evolflow(['estimate', '--seeds', seeds, '--config', 'nocache.yaml'], cwd);
    expect(dry.stdout).toBe(table.stdout);
    expect(dry.stdout).toContain('Estimate: 30 seeds x 4 rounds');
    expect(existsSync(join(cwd, 'dry'))).toBe(false);
  }, 600_000);

  it('stops cleanly at --max-cost: no new work, partial outputs, exit 8; the estimate is shown before a priced run starts', async () => {
    const cwd = mkdtempSync(join(work, 'max-cost-'));
    // $1,000 per million tokens on every role: the bundled sample's 252 calls cost about $80.
    writeFileSync(
      join(cwd, 'priced.yaml'),
      [
        'llm:',
        '  cache: { enabled: false }',
        '  roles:',
        ...['evolver', 'responder', 'judge'].map((r) => `    ${r}: { pricePerMTokIn: 1000, pricePerMTokOut: 1000 }`),
      ].join('\n'),
    );
    const r = await evolflow(['run', '--config', 'priced.yaml', '--out', 'out', '--no-progress', '--max-cost', '5'], cwd);
    expect(r.code, r.stderr).toBe(8);
    expect(r.stdout.indexOf('estimate: ')).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('estimate: ')).toBeLessThan(r.stdout.indexOf('SIMULATED DATA'));
    expect(r.stderr).toContain('the --max-cost cap of $5.00: stopping the run');
    const run = runJson(join(cwd, 'out'));
    expect(run).toMatchObject({ partial: true, stoppedBy: 'max-cost', outcome: { exitCode: 8, status: 'max-cost' } });
    const spent = ((run.llm.promptTokens + run.llm.completionTokens) * 1000) / 1e6;
    expect(spent).toBeGreaterThanOrEqual(5);
    expect(run.totals.evolutions).toBeLessThan(80);
    // What was finished is written: the run's own files (the dataset's layout is the mixer's business).
    for (const file of ['kept.jsonl', 'seeds.jsonl', 'rejected.jsonl', 'lineage.jsonl'])
      expect(existsSync(join(cwd, 'out', file)), file).toBe(true);
    expect(
      readFileSync(join(cwd, 'out', 'kept.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(run.totals.kept);
    // A cap above what the run spends changes nothing.
    const full = await evolflow(['run', '--config', 'priced.yaml', '--out', 'out2', '--no-progress', '--max-cost', '100000'], cwd);
    expect(full.code, full.stderr).toBe(0);
    expect(runJson(join(cwd, 'out2'))).toMatchObject({ partial: false, outcome: { exitCode: 0 }, totals: { seeds: 20, evolutions: 80 } });
  }, 600_000);

  it('carries type declarations a strict TypeScript project type-checks against (skipLibCheck off)', async () => {
    writeFileSync(
      join(prefix, 'consumer.ts'),
      [
        "import { COMMANDS, startPipeline, type RunSummary } from '@evolflow/cli';",
        'export const names: string[] = COMMANDS.map((c) => c.name);',
        "export type Kept = RunSummary['totals']['kept'];",
        'export const start: typeof startPipeline = startPipeline;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(prefix, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: prefix,
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 300_000);

  it('exits 2 on every usage error, naming it', async () => {
    const cases: [string[], string][] = [
      [[], 'Usage: evolflow <command>'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['rnu'], 'unknown command "rnu" (did you mean "run"?)'],
      [['help', 'frobnicate'], 'unknown command "frobnicate"'],
      [['--bogus'], 'unknown option --bogus'],
      [['run', '--bogus'], 'run: unknown option --bogus'],
      [['run', '--rounds', 'many'], 'run: --rounds must be a whole number, not "many"'],
      [['run', '--format', 'yaml'], 'run: --format must be one of alpaca, sharegpt, openai, not "yaml"'],
      [['run', '--metrics-port', '70000'], 'run: --metrics-port must be a port number from 0 to 65535'],
      [['run', '--max-cost', 'lots'], 'run: --max-cost must be a number, not "lots"'],
      [['run', '--max-cost', '5'], '--max-cost 5 needs prices'],
      [['run', '--seeds'], "run: Option '--seeds <value>' argument missing"],
      [['run', 'extra'], 'run: Unexpected argument'],
      [['estimate', '--rounds', '1.5'], 'estimate: --rounds must be a whole number'],
      [['report'], 'report: expected one run directory, got none'],
      [['mix', '--in', 'x'], 'mix: --in and --out are required'],
      [['simulate', '--faults', '2'], 'simulate: --faults must be a number from 0 to 1'],
      [['stage', 'nope'], 'stage: name one of seed'],
      [['models', 'fetch', 'extra'], 'models: expected pull or list'],
    ];
    for (const [args, message] of cases) {
      const r = await evolflow(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    // An unknown option is a usage error for every command in the table.
    for (const c of COMMANDS) {
      const r = await evolflow(c.name === 'stage' ? ['stage', 'evolve', '--no-such-flag'] : [c.name, '--no-such-flag']);
      expect(r.code, c.name).toBe(2);
      expect(r.stderr, c.name).toContain('unknown option --no-such-flag');
    }
  }, 300_000);
});
