import { describe, expect, it } from 'vitest';
import {
  assertRecord,
  DEFAULT_CONFIG,
  EvolflowError,
  mergeDeep,
  type Config,
  type EvolRecord,
  type LlmCaller,
  type LlmCompletion,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { createRespondStage, responderMessages } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const child: EvolRecord = {
  id: 's-1.r1',
  seedId: 's-1',
  parentId: 's-1',
  round: 1,
  strategy: 'deepening',
  instruction: 'Explain why the sky is blue, with the physics behind it.',
  lineage: [{ id: 's-1.r1', round: 1, strategy: 'deepening' }],
  checks: [{ stage: 'evolve', reason: 'ok' }],
  usage: { promptTokens: 20, completionTokens: 10, calls: 1 },
  calls: ['e-1'],
  parent: { id: 's-1', round: 0, instruction: 'Why is the sky blue?', response: 'Rayleigh scattering.', lineage: [] },
};

async function respond(completion: Omit<LlmCompletion, 'cached'>, over: unknown = {}) {
  const llm: LlmCaller = { complete: async () => ({ ...completion, cached: false }) };
  const env: StageEnv = { config: mergeDeep(DEFAULT_CONFIG, over) as Config, logger, llm, cwd: process.cwd(), outDir: '/tmp' };
  const emits = await (await createRespondStage(env)).handle(child, undefined, 'validated');
  for (const e of emits) assertRecord(e.record);
  return emits;
}

describe('respond stage', () => {
  it('rethrows an LLM call a stop cancelled: no reject (runStage leaves the record for a resume)', async () => {
    const stopped = new EvolflowError('cancelled', 'LLM responder call for record s-1.r1 was cancelled by a stop (SIGINT)');
    const llm: LlmCaller = {
      complete: async () => {
        throw stopped;
      },
    };
    const env: StageEnv = { config: DEFAULT_CONFIG as Config, logger, llm, cwd: process.cwd(), outDir: '/tmp' };
    await expect((await createRespondStage(env)).handle(child, undefined, 'validated')).rejects.toBe(stopped);
  });

  it('answers the evolved instruction afresh, never with the parent response', async () => {
    const emits = await respond({
      text: 'Sunlight scatters off air molecules; blue light scatters most.',
      id: 'r-1',
      promptTokens: 12,
      completionTokens: 14,
      finishReason: 'stop',
    });
    expect(emits.map((e) => e.topic)).toEqual(['responded']);
    expect(emits[0]?.record).toMatchObject({
      response: 'Sunlight scatters off air molecules; blue light scatters most.',
      calls: ['e-1', 'r-1'],
      usage: { promptTokens: 32, completionTokens: 24, calls: 2 },
    });
    expect(emits[0]?.record.checks.at(-1)).toEqual({ stage: 'respond', reason: 'ok' });
    expect(responderMessages({ instruction: 'Sum these.', input: '1, 2' })).toEqual([
      { role: 'user', content: 'Sum these.\n\nInput:\n1, 2' },
    ]);
  });

  it('rejects a response cut at maxTokens as truncated, naming the limit and how to raise it, and requeues the parent', async () => {
    const emits = await respond(
      { text: 'Both, both, both, both,', id: 'r-2', promptTokens: 12, completionTokens: 300, finishReason: 'length' },
      { llm: { roles: { responder: { maxTokens: 300 } } } },
    );
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
    const rejected = emits[0]?.record;
    expect(rejected?.rejection?.reason).toBe('truncated');
    expect(rejected?.rejection?.detail).toMatch(/llm\.roles\.responder\.maxTokens = 300/);
    expect(rejected?.response).toBe('Both, both, both, both,');
    expect(rejected?.usage).toEqual({ promptTokens: 32, completionTokens: 310, calls: 2 });
    expect(emits[1]?.record).toMatchObject({ id: 's-1', nextRound: 2 });
  });

  it('keeps an answer whose endpoint gives no finish_reason', async () => {
    const emits = await respond({
      text: 'Rayleigh scattering makes short wavelengths scatter more.',
      id: 'r-3',
      promptTokens: 1,
      completionTokens: 1,
    });
    expect(emits.map((e) => e.topic)).toEqual(['responded']);
  });
});
