// The package boundaries STYLE.md asks for, enforced twice: the ESLint rule (eslint.config.js) on
// each import as written, and dependency-cruiser (.dependency-cruiser.cjs, `npm run lint:graph`) on
// the whole import graph: cycles, the order among libraries, dynamic import().
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('package boundaries', () => {
  it('lets a plugin import the plugin entry and nothing else of ours', async () => {
    expect(
      await messages(
        'plugins/strategy-mutation/src/probe.ts',
        "import { defineStrategy } from '@evolflow/core/plugin';\nexport const a = defineStrategy;\n",
      ),
    ).toEqual([]);
    const bad = await messages(
      'plugins/strategy-mutation/src/probe.ts',
      "import { runStage } from '@evolflow/transport';\nexport const a = runStage;\n",
    );
    expect(bad.some((m) => m.includes('A plugin imports only the plugin entry'))).toBe(true);
    const whole = await messages(
      'plugins/strategy-mutation/src/probe.ts',
      "import { loadConfig } from '@evolflow/core';\nexport const a = loadConfig;\n",
    );
    expect(whole.some((m) => m.includes('A plugin imports only the plugin entry'))).toBe(true);
    const dep = await messages('plugins/strategy-mutation/src/probe.ts', "import x from 'lodash';\nexport const a = x;\n");
    expect(dep.length).toBeGreaterThan(0);
  });

  it("stops any package reaching into another's src/ or with ../", async () => {
    const src = await messages('packages/llm/src/probe.ts', "import { x } from '@evolflow/core/src/record.ts';\nexport const a = x;\n");
    expect(src.some((m) => m.includes('never its src/'))).toBe(true);
    const up = await messages('packages/llm/src/probe.ts', "import { x } from '../../core/src/record.ts';\nexport const a = x;\n");
    expect(up.some((m) => m.includes('Do not reach into another package'))).toBe(true);
  });

  it('lets services import libraries but not other services', async () => {
    expect(
      await messages('services/stage-evolve/src/probe.ts', "import { runStage } from '@evolflow/transport';\nexport const a = runStage;\n"),
    ).toEqual([]);
    const bad = await messages(
      'services/stage-evolve/src/probe.ts',
      "import { createSeedStage } from '@evolflow/stage-seed';\nexport const a = createSeedStage;\n",
    );
    expect(bad.some((m) => m.includes('A service imports only libraries'))).toBe(true);
  });

  it('keeps libraries off plugins and services', async () => {
    const plugin = await messages(
      'packages/llm/src/probe.ts',
      "import factory from '@evolflow/strategy-deepening';\nexport const a = factory;\n",
    );
    expect(plugin.some((m) => m.includes('A library never imports a service, a plugin or the CLI'))).toBe(true);
  });

  it('allows at most three parameters (STYLE.md), else an options object', async () => {
    const lint = async (code: string) =>
      ((await eslint.lintText(code, { filePath: 'packages/llm/src/probe.ts' }))[0]?.messages ?? []).filter(
        (m) => m.ruleId === 'max-params',
      );
    expect(await lint('export function f(a: number, b: number, c: number): number {\n  return a + b + c;\n}\n')).toEqual([]);
    expect(await lint('export const g = (a: number, b: number, c: number, d: number): number => a + b + c + d;\n')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------- the import graph (dependency-cruiser)

const ROOT = process.cwd();
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface CruiseJson {
  modules: { source: string }[];
  summary: {
    violations: { rule: { name: string }; from: string; to: string }[];
    error: number;
    totalCruised: number;
    totalDependenciesCruised: number;
  };
}

/** `npm run lint:graph`'s cruise, as JSON, run in `cwd` over `dirs`. */
function cruiseJson(cwd: string, dirs: string[]): CruiseJson {
  const run = spawnSync(process.execPath, [DEPCRUISE, ...dirs, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.stdout.trim() === '') throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseJson;
}

const violations = (r: CruiseJson) => r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

describe('the import graph (dependency-cruiser, .dependency-cruiser.cjs)', () => {
  it('breaks no rule: no cycle, plugins on the plugin entry only, services on libraries, libraries in their stated order', () => {
    const result = cruiseJson(ROOT, ['packages', 'plugins', 'services', 'test', 'bench']);
    expect(violations(result)).toEqual([]);
    expect(result.summary.error).toBe(0);
    // The cruise saw the workspace (a misconfigured resolver would pass with an empty graph).
    const sources = new Set(result.modules.map((m) => m.source));
    for (const file of [
      'packages/core/src/plugin.ts',
      'plugins/strategy-deepening/src/index.ts',
      'services/stage-eliminate/src/handler.ts',
      'packages/cli/src/bin.ts',
    ]) {
      expect(sources.has(file), file).toBe(true);
    }
  }, 120_000);

  it('catches each kind of violation, dynamic import() included, in a throwaway tree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evolflow-graph-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
        }),
        'packages/core/src/index.ts': "import { chat } from '../../llm/src/index.ts';\nexport const core = chat;\n",
        'packages/core/src/plugin.ts': 'export const defineStrategy = <T>(s: T): T => s;\n',
        'packages/llm/src/index.ts':
          "export const chat = 1;\nexport const later = () => import('../../../services/stage-evolve/src/index.ts');\n",
        'packages/mixer/src/index.ts': "import { chat } from '../../llm/src/index.ts';\nexport const mix = chat;\n",
        'packages/observe/src/index.ts':
          "import { chat } from '../../llm/src/index.ts';\nimport { mix } from '../../mixer/src/index.ts';\nexport const seen = chat + mix;\n",
        'packages/runtime/src/index.ts': "import { seen } from '../../observe/src/index.ts';\nexport const run = seen;\n",
        'plugins/strategy-x/src/index.ts':
          "import { defineStrategy } from '../../../packages/core/src/plugin.ts';\nimport { core } from '../../../packages/core/src/index.ts';\nexport default defineStrategy({ core });\n",
        'services/stage-evolve/src/index.ts':
          "import { run } from '../../../packages/runtime/src/index.ts';\nimport { other } from '../../stage-mix/src/index.ts';\nexport const evolve = run + other;\n",
        'services/stage-mix/src/index.ts':
          "import { evolve } from '../../stage-evolve/src/index.ts';\nexport const other = 1;\nexport const back = () => evolve;\n",
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      const result = cruiseJson(dir, ['packages', 'plugins', 'services']);
      const found = violations(result);
      // core at the bottom imports nothing of ours; mixer -> llm is a sibling in tier 1.
      expect(found).toContain('library-order-core: packages/core/src/index.ts -> packages/llm/src/index.ts');
      expect(found).toContain('library-order-mixer: packages/mixer/src/index.ts -> packages/llm/src/index.ts');
      // A library's dynamic import() of a service is caught like a static one.
      expect(found).toContain('library-no-service-or-plugin: packages/llm/src/index.ts -> services/stage-evolve/src/index.ts');
      // A plugin reaches core past its plugin entry; the entry itself is allowed.
      expect(found).toContain('plugin-only-plugin-entry: plugins/strategy-x/src/index.ts -> packages/core/src/index.ts');
      expect(found.filter((v) => v.endsWith('-> packages/core/src/plugin.ts'))).toEqual([]);
      expect(found).toContain('service-imports-libraries-only: services/stage-evolve/src/index.ts -> services/stage-mix/src/index.ts');
      expect(found.filter((v) => v.startsWith('no-circular:')).length).toBeGreaterThan(0);
      // observe (tier 3) over llm and mixer (tier 1), runtime (tier 4) over observe: allowed.
      expect(found.filter((v) => v.startsWith('library-order-observe') || v.startsWith('library-order-runtime'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps the plugin entry narrow: at run time it loads no record schema, config, ajv or yaml', async () => {
    const runtimeGraph = async (entry: string) => {
      const result = await cruise(
        [entry],
        { tsPreCompilationDeps: false, doNotFollow: { path: 'node_modules' } },
        { extensions: ['.ts', '.js'] },
      );
      return (result.output as CruiseJson).modules.map((m) => m.source);
    };
    const narrow = await runtimeGraph('packages/core/src/plugin.ts');
    expect(narrow.filter((s) => /node_modules\/(ajv|ajv-formats|yaml)\/|core\/src\/(record|config|manifest|plugins)\.ts$/.test(s))).toEqual(
      [],
    );
    expect(narrow).toContain('packages/core/src/strategy-kit.ts');
    // The same cruise of the full entry does see them, so the check can fail.
    const full = await runtimeGraph('packages/core/src/index.ts');
    expect(full.some((s) => s.includes('node_modules/ajv/'))).toBe(true);
    expect(full.some((s) => s.includes('node_modules/yaml/'))).toBe(true);
  }, 120_000);
});
