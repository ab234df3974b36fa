import { describe, expect, it } from 'vitest';
import { DLQ, PIPELINE, stageSpec, TOPICS, type TopicName } from './manifest.ts';

// These tests hold for any manifest (a new stage needs no edit here): the lists are read off PIPELINE.
describe('the pipeline manifest', () => {
  it('lists every topic a stage consumes or produces once, in order of first use, the dead-letter topic last', () => {
    const used = PIPELINE.flatMap((s): TopicName[] => [...s.consumes, ...s.produces]);
    expect(TOPICS).toEqual([...used.filter((t, i) => used.indexOf(t) === i), DLQ]);
    expect(new Set(TOPICS).size).toBe(TOPICS.length);
    expect(TOPICS[0]).toBe('seeds');
    expect(TOPICS.at(-1)).toBe('dlq');
  });

  it('has every consumed topic produced by an earlier stage, except the seeds topic fed from outside and pool', () => {
    const produced = new Set<TopicName>();
    for (const spec of PIPELINE) {
      for (const t of spec.consumes) if (t !== 'seeds' && t !== 'pool') expect(produced.has(t), `${spec.name} consumes ${t}`).toBe(true);
      for (const t of spec.produces) produced.add(t);
    }
    expect(produced.has('pool')).toBe(true);
  });

  it('starts with seed, ends with mix, one entry per name', () => {
    const names = PIPELINE.map((s) => s.name);
    expect(names[0]).toBe('seed');
    expect(names.at(-1)).toBe('mix');
    expect(new Set(names).size).toBe(names.length);
  });

  it('finds a stage by name and names the stages when one is unknown', () => {
    expect(stageSpec('dedup').produces).toContain('unique');
    expect(() => stageSpec('polish')).toThrow(`unknown stage "polish"; stages are: ${PIPELINE.map((s) => s.name).join(', ')}`);
  });
});
