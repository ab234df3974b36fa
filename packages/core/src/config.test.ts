import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { DEFAULT_CONFIG, loadConfig } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'evolflow-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadConfig', () => {
  it('returns the frozen defaults when nothing is set', () => {
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.run.rounds).toBe(4);
    expect(c.mix.replayShare).toBe(0.2);
    expect(c.strategies.enabled).toEqual(DEFAULT_CONFIG.strategies.enabled);
    expect(Object.isFrozen(c.llm.roles.evolver)).toBe(true);
  });

  it('layers file < environment < overrides', () => {
    const f = file('a.yaml', 'run:\n  rounds: 2\nllm:\n  concurrency: 8\n');
    const c = loadConfig({ file: f, env: { EVOLFLOW_LLM__CONCURRENCY: '16' }, overrides: { run: { outDir: 'x' } } });
    expect(c.run.rounds).toBe(2);
    expect(c.llm.concurrency).toBe(16);
    expect(c.run.outDir).toBe('x');
  });

  it('ignores EVOLFLOW_ variables that name no config section', () => {
    const c = loadConfig({ cwd: dir, env: { EVOLFLOW_CACHE: '/tmp/cache', EVOLFLOW_KAFKA_PORT: '19093', EVOLFLOW_RUN__ROUNDS: '3' } });
    expect(c.run.rounds).toBe(3);
  });

  it('switches to the openai provider when OPENAI_API_KEY is set', () => {
    const c = loadConfig({ cwd: dir, env: { OPENAI_API_KEY: 'sk-test' } });
    expect(c.llm.provider).toBe('openai');
    expect(c.llm.apiKey).toBe('sk-test');
  });

  it('names the path of a bad key and what was expected', () => {
    const f = file('bad.yaml', 'llm:\n  concurency: 8\nrun:\n  rounds: -1\n');
    let err: unknown;
    try {
      loadConfig({ file: f, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toContainEqual({ path: 'llm.concurency', message: 'is not a known key' });
    expect(problems.find((p) => p.path === 'run.rounds')?.message).toMatch(/>= 0/);
    expect((err as Error).message).toContain(f);
  });

  it('takes stop sequences per role (at most 4, as OpenAI), the evolver stopping before the template by default', () => {
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.llm.roles.evolver.stop).toEqual(['#The Given Prompt#', '#Given Prompt#', '\n#Rewritten Prompt#', '\n#Created Prompt#']);
    expect([c.llm.roles.responder.stop, c.llm.roles.judge.stop, c.llm.roles.judge.maxTokens, c.eliminate.keepOnNoVerdict]).toEqual([
      [],
      [],
      16,
      false,
    ]);
    const f = file('stop.yaml', 'llm:\n  roles:\n    judge: { stop: ["\\n"] }\n    responder: { model: m }\n');
    const set = loadConfig({ file: f, env: {} });
    expect([set.llm.roles.judge.stop, set.llm.roles.responder.stop]).toEqual([['\n'], []]);
    expect(() =>
      loadConfig({ cwd: dir, env: {}, overrides: { llm: { roles: { evolver: { stop: ['a', 'b', 'c', 'd', 'e'] } } } } }),
    ).toThrow(/llm\.roles\.evolver\.stop: must NOT have more than 4 items/);
  });

  it('names the environment variable layer and bad enum values', () => {
    expect(() => loadConfig({ cwd: dir, env: { EVOLFLOW_TRANSPORT__KIND: 'carrier-pigeon' } })).toThrow(
      /transport\.kind: must be one of "memory", "kafka"/,
    );
  });

  it('reports YAML syntax errors with the file and line', () => {
    const f = file('syntax.yaml', 'run:\n  rounds: [1\n');
    expect(() => loadConfig({ file: f, env: {} })).toThrow(/syntax\.yaml[\s\S]*line/);
  });
});
