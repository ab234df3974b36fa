// The validate stage as a handler: the language rules and lost-input with the strategy's kind.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, snapshotOf, zeroUsage, type EvolRecord, type Logger, type StageEnv } from '@evolflow/core';
import { createValidateStage } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const env: StageEnv = { config: DEFAULT_CONFIG, logger, llm: undefined as never, cwd: process.cwd(), outDir: '/tmp' };
const parent: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Summarize the following paragraph.',
  input: 'The city council voted on Monday to extend the tram line to the airport by 2027.',
  lineage: [],
  checks: [],
  usage: zeroUsage(),
};
const { input: _input, ...base } = parent;
/** An evolution of `parent` (no input of its own, as the evolve stage makes it). */
const child = (instruction: string, strategy: string): EvolRecord => ({
  ...base,
  id: 's-1.r1',
  parentId: 's-1',
  round: 1,
  instruction,
  strategy,
  lineage: [{ id: 's-1.r1', round: 1, strategy }],
  parent: snapshotOf(parent),
});

describe('validate stage', () => {
  it("rejects an in-depth child that dropped its parent's input, and requeues the parent", async () => {
    const stage = await createValidateStage(env);
    const out = await stage.handle(
      child('Summarize the following paragraph in exactly two sentences for a ten-year-old.', 'deepening'),
      undefined,
      'evolved',
    );
    expect(out.map((e) => e.topic).sort()).toEqual(['pool', 'rejected']);
    expect(out.find((e) => e.topic === 'rejected')?.record.rejection).toMatchObject({ stage: 'validate', reason: 'lost-input' });
  });

  it('lets mutation (a breadth strategy) write a new prompt without the data', async () => {
    const stage = await createValidateStage(env);
    const out = await stage.handle(
      child('Write a short news report about a city opening a cable car line to its harbour.', 'mutation'),
      undefined,
      'evolved',
    );
    expect(out.map((e) => e.topic)).toEqual(['validated']);
  });

  it('rejects an answer given instead of a rewrite as not-a-task, and an evolver refusal as refusal', async () => {
    const stage = await createValidateStage(env);
    const answer = await stage.handle(
      child('The council will extend the tram line to the airport by 2027, after a vote on Monday.', 'concretizing'),
      undefined,
      'evolved',
    );
    expect(answer.find((e) => e.topic === 'rejected')?.record.rejection?.reason).toBe('not-a-task');
    const refusal = await stage.handle(child("I'm sorry, but I can't rewrite this prompt.", 'deepening'), undefined, 'evolved');
    expect(refusal.find((e) => e.topic === 'rejected')?.record.rejection?.reason).toBe('refusal');
  });
});
