// runStage's flush: a stage's flush may be a lazy iterable (the mixer reads each batch back from its
// journal as it is asked for); it is published in chunks, and an in-process consumer reads each
// chunk before the next is made, so the records of a large flush are never all in memory at once.
import { describe, expect, it } from 'vitest';
import { zeroUsage, type Emit, type EvolRecord, type StageHandler } from '@evolflow/core';
import { InMemoryTransport } from './memory.ts';
import { runStage } from './run-stage.ts';

const rec = (i: number): EvolRecord => ({
  id: `r${String(i).padStart(5, '0')}`,
  seedId: 's',
  parentId: null,
  round: 1,
  instruction: `instruction ${i}`,
  response: 'answer',
  lineage: [],
  checks: [],
  usage: zeroUsage(),
  batch: { index: Math.floor(i / 32), position: i % 32, size: 32, replay: false },
});

describe('runStage flush', () => {
  it('publishes a lazy flush in chunks that the consumer reads before the next is made', async () => {
    const t = new InMemoryTransport();
    const read: string[] = [];
    await t.subscribe({ group: 'sink', topics: ['curriculum'], concurrency: 1, handler: async (d) => void read.push(d.record.id) });
    /** Records made by the generator but not yet read by the consumer, at most, over the flush. */
    let mostAhead = 0;
    let made = 0;
    const handler: StageHandler<unknown> = {
      name: 'mix',
      handle: () => [],
      flush: () =>
        (function* (): Generator<Emit> {
          for (let i = 0; i < 2000; i++) {
            made++;
            mostAhead = Math.max(mostAhead, made - read.length);
            yield { topic: 'curriculum', record: rec(i) };
          }
        })(),
    };
    const stage = await runStage({ handler, ctx: undefined, transport: t });
    expect(await stage.flush()).toBe(2000);
    await t.whenDrained();
    expect(read).toHaveLength(2000);
    expect(read[1999]).toBe('r01999');
    expect(stage.stats.emitted).toEqual({ curriculum: 2000 });
    // One chunk (256 records) at most is made ahead of the consumer; the topic holds nothing once read.
    expect(mostAhead).toBe(256);
    expect(t.retained('curriculum')).toBe(0);
  });

  it('still takes a plain array', async () => {
    const t = new InMemoryTransport();
    const handler: StageHandler<unknown> = { name: 'mix', handle: () => [], flush: () => [{ topic: 'curriculum', record: rec(1) }] };
    const stage = await runStage({ handler, ctx: undefined, transport: t });
    expect(await stage.flush()).toBe(1);
    expect(t.retained('curriculum')).toBe(1);
  });
});
