// Every stage of the manifest is found by its name: its service exports `create(env)`, which builds
// a handler of that name with the one stage shape (handle, optional flush and close).
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PIPELINE, type Config, type LlmCaller, type Logger } from '@evolflow/core';
import { InMemoryTransport } from '@evolflow/transport';
import { stageEnv } from '@evolflow/runtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stageFactory } from './pipeline.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const llm = { complete: () => Promise.reject(new Error('no LLM in this test')) } as unknown as LlmCaller;

describe('stage factories from the manifest', () => {
  it.each(PIPELINE.map((s) => [s.name]))(
    '%s: its service @evolflow/stage-<name> exports create(env), building a handler of that name',
    async (name) => {
      const outDir = mkdtempSync(join(tmpdir(), 'evolflow-factory-'));
      const config: Readonly<Config> = DEFAULT_CONFIG;
      const stage = await (await stageFactory(name))(stageEnv({ config, logger: quiet, llm, transport: new InMemoryTransport(), outDir }));
      try {
        expect(stage.name).toBe(name);
        expect(typeof stage.handle).toBe('function');
        for (const hook of ['flush', 'close'] as const) expect(['undefined', 'function']).toContain(typeof stage[hook]);
      } finally {
        await stage.close?.();
        rmSync(outDir, { recursive: true, force: true });
      }
    },
  );

  it('names the service when it exports no create', async () => {
    await expect(stageFactory('nope' as never)).rejects.toThrow('stage "nope": its service @evolflow/stage-nope cannot be loaded');
  });
});
