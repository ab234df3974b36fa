// A fresh clone passes the unit project: the committed HEAD is cloned into an empty temp folder
// (nothing beside it: no shared data folder next to the repository), installed from its lock file
// as CI and scripts/test.sh do (`npm install`; --prefer-offline reuses the npm cache, so the
// registry is asked only for what the cache lacks), and `vitest run --project unit` runs there.
// Every unit test file must run, with tests passed and none failed.
// The embedding model is not in git (.evolflow/ is ignored; `evolflow models pull` fetches it): the
// clone's dedup tests get this checkout's model folder through EVOLFLOW_DEDUP__MODEL_DIR, as any
// machine would point them at its model cache. Uncommitted changes in this checkout are not tested.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODEL_DIR = resolve(ROOT, process.env.EVOLFLOW_DEDUP__MODEL_DIR ?? DEFAULT_CONFIG.dedup.modelDir);
const parent = mkdtempSync(join(tmpdir(), 'evolflow-fresh-'));
const repo = join(parent, 'repo');

/** The environment of a new shell: nothing of this vitest run or of evolflow's settings leaks in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // npm's per-script variables (set when this runs under `npm test`) would point npm at this checkout.
    if (
      !/^(VITEST|EVOLFLOW_|TEST$|NODE_ENV$|NODE_OPTIONS$|TSX_|INIT_CWD$|npm_package_|npm_lifecycle_|npm_command$|npm_config_local_prefix$)/.test(
        key,
      )
    )
      env[key] = value;
  }
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...(existsSync('/usr/include/node') ? { npm_config_nodedir: '/usr' } : {}) };
}

interface VitestJson {
  success: boolean;
  numTotalTestSuites: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
  }[];
}

afterAll(() => rmSync(parent, { recursive: true, force: true }));

// The data folder that sits beside our own checkouts; a test that names it passes here and fails
// elsewhere even when the unit run above is green. (Built from pieces so this file does not match.)
const OUTSIDE = ['\\.\\./shared', ['', 'work', 'shared'].join('/'), ['shared', 'data'].join('/')].join('|');

describe('a fresh clone with nothing beside it', () => {
  it('installs and passes the unit project', async () => {
    expect(readdirSync(parent)).toEqual([]);
    await run('git', ['clone', '--quiet', ROOT, repo]);
    expect(readdirSync(parent)).toEqual(['repo']); // nothing beside the clone
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);

    const env = cleanEnv();
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: repo, env, maxBuffer: 64 << 20 });

    const report = join(parent, 'unit.json');
    const unitEnv = { ...env, EVOLFLOW_DEDUP__MODEL_DIR: MODEL_DIR, HF_HUB_OFFLINE: '1' };
    const vitest = join(repo, 'node_modules/vitest/vitest.mjs');
    const outcome = await run(process.execPath, [vitest, 'run', '--project', 'unit', '--reporter=json', `--outputFile.json=${report}`], {
      cwd: repo,
      env: unitEnv,
      maxBuffer: 256 << 20,
    }).then(
      () => 'exit 0',
      (error: { code?: number; stderr?: string }) => `exit ${error.code}: ${(error.stderr ?? '').slice(-2000)}`,
    );
    const result = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
    // What failed, with the first line of each message, so a red run says why without the clone.
    const failed = result.testResults
      .filter((r) => r.status !== 'passed')
      .map((r) => {
        const tests = r.assertionResults
          .filter((a) => a.status === 'failed')
          .map((a) => `${a.fullName}: ${(a.failureMessages[0] ?? '').split('\n')[0]}`);
        return `${r.name.replace(repo, '.')}: ${tests.length > 0 ? tests.join('; ') : (r.message ?? r.status).split('\n')[0]}`;
      });
    console.log(
      `fresh clone ${head.slice(0, 8)}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests} skipped in ${result.testResults.length} files`,
    );

    // Every unit test file of the commit ran (vitest's unit globs), none failed.
    const files = (
      await run(
        'git',
        [
          'ls-files',
          'packages/*/src/*.test.ts',
          'packages/*/src/**/*.test.ts',
          'plugins/*/src/*.test.ts',
          'plugins/*/src/**/*.test.ts',
          'services/*/src/*.test.ts',
          'services/*/src/**/*.test.ts',
        ],
        { cwd: repo },
      )
    ).stdout
      .split('\n')
      .filter(Boolean);
    expect(new Set(result.testResults.map((r) => r.name.slice(repo.length + 1)))).toEqual(new Set(files));
    expect(failed).toEqual([]);
    expect(result.numFailedTests).toBe(0);
    expect(result.numPassedTests).toBeGreaterThan(0);
    expect(outcome).toBe('exit 0');
    expect(result.success).toBe(true);
  }, 1_500_000);

  it('has no test code that reads the shared data folder beside our checkouts', async () => {
    const found = await run(
      'git',
      [
        'grep',
        '-l',
        '-E',
        OUTSIDE,
        'HEAD',
        '--',
        'packages/*/src',
        'plugins/*/src',
        'services/*/src',
        'test',
        'scripts/test.sh',
        'vitest.config.ts',
      ],
      { cwd: ROOT },
    ).then(
      (r) => r.stdout.split('\n').filter(Boolean),
      (error: { code?: number }) => (error.code === 1 ? [] : Promise.reject(error)),
    );
    expect(found).toEqual([]);
  });
});
