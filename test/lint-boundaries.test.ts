// The package-boundary lint rule (eslint.config.js) rejects what STYLE.md forbids.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('package boundaries', () => {
  it('lets a plugin import the core contracts and nothing else of ours', async () => {
    expect(await messages('plugins/strategy-mutation/src/probe.ts', "import { defineStrategy } from '@evolflow/core';\nexport const a = defineStrategy;\n")).toEqual([]);
    const bad = await messages('plugins/strategy-mutation/src/probe.ts', "import { runStage } from '@evolflow/transport';\nexport const a = runStage;\n");
    expect(bad.some((m) => m.includes('A plugin imports only the core contracts'))).toBe(true);
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
    expect(await messages('services/stage-evolve/src/probe.ts', "import { runStage } from '@evolflow/transport';\nexport const a = runStage;\n")).toEqual([]);
    const bad = await messages('services/stage-evolve/src/probe.ts', "import { createSeedStage } from '@evolflow/stage-seed';\nexport const a = createSeedStage;\n");
    expect(bad.some((m) => m.includes('A service imports only libraries'))).toBe(true);
  });
});
