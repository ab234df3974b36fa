import { describe, expect, it } from 'vitest';
import type { LlmUsage } from '@evolflow/llm';
import { addTotals, llmTotalsOf } from './pipeline.ts';

const role = (promptTokens: number, completionTokens: number) => ({
  calls: 1,
  cacheHits: 0,
  retries: 0,
  errors: 0,
  promptTokens,
  completionTokens,
});
const usage = (evolver: [number, number], judge: [number, number]): LlmUsage =>
  ({
    calls: 10,
    cacheHits: 2,
    retries: 1,
    errors: 0,
    promptTokens: evolver[0] + judge[0],
    completionTokens: evolver[1] + judge[1],
    byRole: { evolver: role(...evolver), responder: role(0, 0), judge: role(...judge) },
  }) as unknown as LlmUsage;

const roles = {
  evolver: { pricePerMTokIn: 2, pricePerMTokOut: 8 },
  responder: { pricePerMTokIn: 0, pricePerMTokOut: 0 },
  judge: { pricePerMTokIn: 1, pricePerMTokOut: 1 },
};

describe('LLM totals of every attempt (run.json llmAllAttempts)', () => {
  it('prices each role at its configured price', () => {
    // evolver: 1M in x $2 + 0.5M out x $8 = $6; judge: 0.25M + 0.25M at $1 = $0.5.
    const t = llmTotalsOf(usage([1_000_000, 500_000], [250_000, 250_000]), roles as never);
    expect(t).toEqual({ calls: 10, cacheHits: 2, retries: 1, errors: 0, promptTokens: 1_250_000, completionTokens: 750_000, costUsd: 6.5 });
  });

  it('adds attempts key by key, reading an older run.json without a cost as 0', () => {
    const first = { calls: 4, cacheHits: 0, retries: 0, errors: 1, promptTokens: 100, completionTokens: 50 };
    const second = llmTotalsOf(usage([1_000_000, 0], [0, 0]), roles as never);
    expect(addTotals(first as never, second)).toEqual({
      calls: 14,
      cacheHits: 2,
      retries: 1,
      errors: 1,
      promptTokens: 1_000_100,
      completionTokens: 50,
      costUsd: 2,
    });
  });
});
