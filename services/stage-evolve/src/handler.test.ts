import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  EvolflowError,
  mergeDeep,
  zeroUsage,
  type Config,
  type EvolRecord,
  type LlmCaller,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { createEvolveStage, WORKED_EXAMPLE } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const seed: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Write a haiku about the sea.',
  response: 'Waves...',
  lineage: [],
  checks: [],
  usage: zeroUsage(),
  nextRound: 1,
};

function env(llm: LlmCaller, over: unknown = {}): StageEnv {
  return { config: mergeDeep(DEFAULT_CONFIG, over) as Config, logger, llm, cwd: process.cwd(), outDir: '/tmp' };
}

const echo: LlmCaller = {
  async complete(_role, messages) {
    return {
      text: `Write a haiku about the sea that mentions a lighthouse at dawn (${messages.length})`,
      id: 'c-1',
      promptTokens: 10,
      completionTokens: 5,
      cached: false,
    };
  },
};

describe('evolve stage', () => {
  it('makes one child per pool record with a deterministic id, strategy and lineage', async () => {
    const stage = await createEvolveStage(env(echo));
    const [a] = await stage.handle(seed, undefined, 'pool');
    const [b] = await stage.handle(seed, undefined, 'pool');
    expect(a?.topic).toBe('evolved');
    expect(a?.record.id).toBe('s-1.r1');
    expect(a?.record.parentId).toBe('s-1');
    expect(a?.record.parent?.response).toBe('Waves...');
    expect(a?.record.response).toBeUndefined();
    expect(a?.record.lineage).toEqual([{ id: 's-1.r1', round: 1, strategy: a?.record.strategy }]);
    expect(a?.record.calls).toEqual(['c-1']);
    expect(b?.record.strategy).toBe(a?.record.strategy);
  });

  it('picks strategies uniformly enough across seeds to use all six', async () => {
    const stage = await createEvolveStage(env(echo));
    const used = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const [e] = await stage.handle({ ...seed, id: `s-${i}`, seedId: `s-${i}` }, undefined, 'pool');
      used.add(e?.record.strategy ?? '');
    }
    expect(used.size).toBe(6);
  });

  it('rejects with llm-error and requeues the parent for the next round when the LLM fails', async () => {
    const failing: LlmCaller = {
      complete: async () => {
        throw new EvolflowError('llm-server', 'evolver gpt-4o-mini: HTTP 500 after 6 attempts');
      },
    };
    const stage = await createEvolveStage(env(failing));
    const emits = await stage.handle(seed, undefined, 'pool');
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
    expect(emits[0]?.record.rejection).toEqual({
      stage: 'evolve',
      reason: 'llm-error',
      detail: 'evolver gpt-4o-mini: HTTP 500 after 6 attempts',
    });
    expect(emits[1]?.record).toMatchObject({ id: 's-1', nextRound: 2, round: 0 });
  });

  it('rethrows an LLM call a stop cancelled: no reject, no requeue (runStage leaves the record for a resume)', async () => {
    const stopped = new EvolflowError('cancelled', 'LLM evolver call for record s-1.r1 was cancelled by a stop (SIGINT)');
    const stage = await createEvolveStage(
      env({
        complete: async () => {
          throw stopped;
        },
      }),
    );
    await expect(stage.handle(seed, undefined, 'pool')).rejects.toBe(stopped);
  });

  it('rejects an evolution cut at maxTokens as truncated', async () => {
    const cut: LlmCaller = {
      complete: async () => ({
        text: 'Write a haiku about the sea and',
        id: 'c-2',
        promptTokens: 5,
        completionTokens: 2048,
        cached: false,
        finishReason: 'length',
      }),
    };
    const stage = await createEvolveStage(env(cut));
    const emits = await stage.handle(seed, undefined, 'pool');
    expect(emits[0]?.record.rejection?.reason).toBe('truncated');
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
  });

  it('does not requeue after the last round', async () => {
    const failing: LlmCaller = {
      complete: async () => {
        throw new Error('down');
      },
    };
    const stage = await createEvolveStage(env(failing, { run: { rounds: 1 } }));
    const emits = await stage.handle(seed, undefined, 'pool');
    expect(emits.map((e) => e.topic)).toEqual(['rejected']);
  });

  it('fails at load with the package name of a missing strategy', async () => {
    await expect(createEvolveStage(env(echo, { strategies: { enabled: ['does-not-exist'] } }))).rejects.toThrow(
      /plugin @evolflow\/strategy-does-not-exist: cannot be found/,
    );
  });

  it('shows a system turn and one worked example before the prompt only when strategies.workedExample is on', async () => {
    const seen: { messages: { role: string; content: string }[] }[] = [];
    const recording: LlmCaller = {
      async complete(_role, messages) {
        seen.push({ messages: messages.map((m) => ({ role: m.role, content: m.content })) });
        return {
          text: 'Write a haiku about the sea that mentions a lighthouse at dawn and the tide',
          id: 'c-1',
          promptTokens: 10,
          completionTokens: 5,
          cached: false,
        };
      },
    };
    const plain = await createEvolveStage(env(recording));
    const shown = await createEvolveStage(env(recording, { strategies: { workedExample: true } }));
    for (let i = 0; i < 40; i++) {
      const parent = { ...seed, id: `s-${i}`, seedId: `s-${i}` };
      const [a] = await plain.handle(parent, undefined, 'pool');
      const without = seen.at(-1)?.messages ?? [];
      const [b] = await shown.handle(parent, undefined, 'pool');
      const withIt = seen.at(-1)?.messages ?? [];
      // The same strategy and the same real prompt either way.
      expect(b?.record.strategy).toBe(a?.record.strategy);
      expect(withIt.slice(-without.length)).toEqual(without);
      if (a?.record.format !== undefined) {
        expect(withIt).toEqual(without); // complicate-input: no example (it would add no data)
        continue;
      }
      expect(withIt[0]).toEqual({ role: 'system', content: WORKED_EXAMPLE.system });
      expect(withIt[1]?.content).toContain(WORKED_EXAMPLE.parent);
      expect(withIt[1]?.content).not.toContain(seed.instruction);
      expect(withIt[2]).toEqual({ role: 'assistant', content: WORKED_EXAMPLE.rewrite });
      expect(withIt).toHaveLength(without.length + 3);
    }
  });
});
