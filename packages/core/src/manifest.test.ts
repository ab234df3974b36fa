import { describe, expect, it } from 'vitest';
import { DLQ, PIPELINE, stageSpec, TOPICS, type StageName, type TopicName } from './manifest.ts';

describe('the pipeline manifest', () => {
  it('lists every topic once, in flow order, the dead-letter topic last', () => {
    expect(TOPICS).toEqual(['seeds', 'pool', 'replay', 'rejected', 'evolved', 'validated', 'responded', 'verified', 'accepted', 'unique', 'curriculum', 'dlq']);
    expect(new Set(TOPICS).size).toBe(TOPICS.length);
    expect(TOPICS.at(-1)).toBe(DLQ);
  });

  it('has every consumed topic produced by an earlier stage, except the seeds topic fed from outside', () => {
    const produced = new Set<TopicName>();
    for (const spec of PIPELINE) {
      for (const t of spec.consumes) if (t !== 'seeds' && t !== 'pool') expect(produced.has(t), `${spec.name} consumes ${t}`).toBe(true);
      for (const t of spec.produces) produced.add(t);
    }
    expect(produced.has('pool')).toBe(true);
  });

  it('finds a stage by name and names the stages when one is unknown', () => {
    const names: StageName[] = PIPELINE.map((s) => s.name);
    expect(names).toEqual(['seed', 'evolve', 'validate', 'respond', 'verify', 'eliminate', 'dedup', 'mix']);
    expect(stageSpec('dedup').consumes).toEqual(['accepted', 'replay']);
    expect(() => stageSpec('polish')).toThrow('unknown stage "polish"; stages are: seed, evolve, validate, respond, verify, eliminate, dedup, mix');
  });
});
