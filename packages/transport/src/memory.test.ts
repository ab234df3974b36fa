import { describe, expect, it } from 'vitest';
import { EvolflowError, type EvolRecord, type StageHandler } from '@evolflow/core';
import { InMemoryTransport } from './memory.ts';
import { runStage } from './run-stage.ts';
import { rec } from './test-support.ts';
import { deadLetterOf, stateLogsOf } from './transport.ts';

describe('InMemoryTransport', () => {
  it('gives every group every message, and shares a group between its members', async () => {
    const t = new InMemoryTransport();
    const a: string[] = [];
    const b1: string[] = [];
    const b2: string[] = [];
    await t.subscribe({ group: 'a', topics: ['pool'], concurrency: 4, handler: async (d) => void a.push(d.record.id) });
    await t.subscribe({ group: 'b', topics: ['pool'], concurrency: 1, handler: async (d) => void b1.push(d.record.id) });
    await t.subscribe({ group: 'b', topics: ['pool'], concurrency: 1, handler: async (d) => void b2.push(d.record.id) });
    await t.publish(
      'pool',
      Array.from({ length: 20 }, (_, i) => rec(`r${i}`)),
    );
    await t.whenDrained();
    expect(a).toHaveLength(20);
    expect(b1.length).toBeGreaterThan(0);
    expect(b2.length).toBeGreaterThan(0);
    expect([...b1, ...b2].sort()).toEqual([...a].sort());
  });

  it('never exceeds a subscription concurrency', async () => {
    const t = new InMemoryTransport();
    let inFlight = 0;
    let most = 0;
    await t.subscribe({
      group: 'g',
      topics: ['pool'],
      concurrency: 3,
      handler: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
      },
    });
    await t.publish(
      'pool',
      Array.from({ length: 30 }, (_, i) => rec(`r${i}`)),
    );
    await t.whenDrained();
    expect(most).toBe(3);
  });

  it('refuses to publish an invalid record and dead-letters invalid bytes with the original value', async () => {
    const t = new InMemoryTransport();
    await expect(t.publish('pool', [{ id: 'x' } as unknown as EvolRecord])).rejects.toThrow(/record x is not a valid evolflow record/);
    const seen: string[] = [];
    await t.subscribe({ group: 'g', topics: ['pool'], concurrency: 1, handler: async (d) => void seen.push(d.record.id) });
    t.publishRaw('pool', 'not json at all');
    t.publishRaw('pool', JSON.stringify({ hello: 'world' }));
    await t.publish('pool', [rec('ok')]);
    await t.whenDrained();
    expect(seen).toEqual(['ok']);
    const letters = t.deadLetters();
    expect(letters).toHaveLength(2);
    expect(Buffer.from(letters[0]?.valueBase64 ?? '', 'base64').toString()).toBe('not json at all');
    expect(letters[0]?.error).toMatch(/not JSON/);
    expect(letters[1]?.error).toMatch(/not a valid evolflow record/);
  });

  it('holds dead letters until a subscriber has them, then keeps none', async () => {
    const t = new InMemoryTransport();
    const letter = (n: number) => deadLetterOf(`bytes ${n}`, new Error(`bad ${n}`), { topic: 'pool', offset: String(n) });
    await t.deadLetter(letter(1));
    await t.deadLetter(letter(2));
    expect(t.deadLetters().map((l) => l.error)).toEqual(['bad 1', 'bad 2']);
    const got: string[] = [];
    await t.subscribeDeadLetters('dlq', async (l) => void got.push(l.error));
    expect(got).toEqual(['bad 1', 'bad 2']);
    for (let n = 3; n <= 1000; n++) await t.deadLetter(letter(n));
    expect(got).toHaveLength(1000);
    expect(got[999]).toBe('bad 1000');
    // Given to the one subscriber: nothing is held for a thousand letters.
    expect(t.deadLetters()).toEqual([]);
  });

  it('dead-letters a message over the size limit', async () => {
    const t = new InMemoryTransport({ maxMessageBytes: 1000 });
    await t.publish('seeds', [rec('big', { instruction: 'x'.repeat(2000) })]);
    expect(t.deadLetters()[0]?.error).toMatch(/exceeds the 1000-byte limit/);
  });

  it('takes a record whose escaped JSON is near the limit by its exact size, not the upper bound', async () => {
    const t = new InMemoryTransport({ maxMessageBytes: 1000 });
    // 200 characters: bounded at 1,200+ bytes, but its JSON is about 400: it is delivered.
    const got: EvolRecord[] = [];
    await t.subscribe({ group: 'g', topics: ['seeds'], concurrency: 1, handler: async (d) => void got.push(d.record) });
    await t.publish('seeds', [rec('mid', { instruction: 'é'.repeat(200) })]);
    await t.whenDrained();
    expect(t.deadLetters()).toEqual([]);
    expect(got.map((r) => r.instruction)).toEqual(['é'.repeat(200)]);
  });

  it('shares a published record read-only: no consumer, and not the publisher, can change what the log holds', async () => {
    const t = new InMemoryTransport();
    const seen: EvolRecord[][] = [[], []];
    for (const [i, group] of ['a', 'b'].entries())
      await t.subscribe({ group, topics: ['pool'], concurrency: 1, handler: async (d) => void seen[i]?.push(d.record) });
    const record = rec('r1', { checks: [{ stage: 'evolve', reason: 'ok' }] });
    await t.publish('pool', [record]);
    await t.whenDrained();
    const [a] = seen[0] ?? [];
    expect(seen[1]?.[0]).toEqual(a);
    expect(() => ((a as EvolRecord).instruction = 'changed')).toThrow(TypeError);
    expect(() => (a as EvolRecord).checks.push({ stage: 'dedup', reason: 'ok' })).toThrow(TypeError);
    expect(() => ((record.usage as { calls: number }).calls = 9)).toThrow(TypeError);
    expect(seen[1]?.[0]).toEqual(rec('r1', { checks: [{ stage: 'evolve', reason: 'ok' }] }));
  });
});

describe('runStage', () => {
  it('publishes what the handler emits, counts outcomes and reconciles in = out + rejected + absorbed', async () => {
    const t = new InMemoryTransport();
    const handler: StageHandler<unknown> = {
      name: 'validate',
      handle: (r) =>
        Number(r.id.slice(1)) % 3 === 0
          ? [{ topic: 'rejected', record: { ...r, rejection: { stage: 'validate', reason: 'unchanged' } } }]
          : [{ topic: 'validated', record: r }],
    };
    const stage = await runStage({ handler, ctx: undefined, transport: t });
    const validated: string[] = [];
    await t.subscribe({ group: 'down', topics: ['validated'], concurrency: 8, handler: async (d) => void validated.push(d.record.id) });
    await t.publish(
      'evolved',
      Array.from({ length: 30 }, (_, i) => rec(`r${i}`)),
    );
    await t.whenDrained();
    expect(stage.stats.in).toBe(30);
    expect(stage.stats.rejected).toBe(10);
    expect(stage.stats.out).toBe(20);
    expect(stage.stats.reasons).toEqual({ unchanged: 10 });
    expect(validated).toHaveLength(20);
  });

  it('retries retriable errors and dead-letters the rest with the record', async () => {
    const t = new InMemoryTransport();
    const attempts = new Map<string, number>();
    const handler: StageHandler<unknown> = {
      name: 'respond',
      handle: (r) => {
        const n = (attempts.get(r.id) ?? 0) + 1;
        attempts.set(r.id, n);
        if (r.id === 'flaky' && n < 3) throw new EvolflowError('llm-server', 'try again', { retriable: true });
        if (r.id === 'broken') throw new EvolflowError('internal', 'cannot handle this record');
        return [{ topic: 'responded', record: r }];
      },
    };
    const stage = await runStage({ handler, ctx: undefined, transport: t, backoffBaseMs: 1, maxAttempts: 5 });
    await t.publish('validated', [rec('flaky'), rec('broken'), rec('fine')]);
    await t.whenDrained();
    expect(attempts.get('flaky')).toBe(3);
    expect(attempts.get('broken')).toBe(1);
    expect(stage.stats).toMatchObject({ in: 3, out: 2, deadLettered: 1, retries: 2 });
    const letter = t.deadLetters()[0];
    expect(letter?.stage).toBe('respond');
    expect(JSON.parse(Buffer.from(letter?.valueBase64 ?? '', 'base64').toString()).id).toBe('broken');
  });

  it('refuses an emit to a topic the manifest does not give the stage', async () => {
    const t = new InMemoryTransport();
    const handler: StageHandler<unknown> = { name: 'respond', handle: (r) => [{ topic: 'unique', record: r }] };
    const stage = await runStage({ handler, ctx: undefined, transport: t, maxAttempts: 1 });
    await t.publish('validated', [rec('a')]);
    await t.whenDrained();
    expect(stage.stats.deadLettered).toBe(1);
    expect(t.deadLetters()[0]?.error).toMatch(/may not emit to "unique"/);
  });

  it('keeps a state log for its own life: the latest value per key, read back by anyone, none on the memory stage env', async () => {
    const t = new InMemoryTransport();
    const log = t.stateLog('dedup-changelog');
    await log.append([
      { key: 'a', value: '1' },
      { key: 'b', value: Buffer.from('2') },
    ]);
    await log.append([{ key: 'a', value: '3' }]);
    const read: string[] = [];
    expect(await t.stateLog('dedup-changelog').read((e) => read.push(`${e.key}=${e.value.toString()}@${e.where}`))).toBe(2);
    expect(read).toEqual(['a=3@dedup-changelog@0', 'b=2@dedup-changelog@1']);
    // The in-memory log dies with the process, so stages on it get none (they persist by snapshots).
    expect(stateLogsOf(t)).toEqual({});
  });
});

describe('InMemoryTransport retention', () => {
  it('drops what every group has read, and keeps what the slowest group has still to read', async () => {
    const t = new InMemoryTransport();
    const fast: string[] = [];
    const slow: string[] = [];
    const gates: (() => void)[] = [];
    await t.subscribe({ group: 'fast', topics: ['pool'], concurrency: 8, handler: async (d) => void fast.push(d.record.id) });
    // The slow group holds its first 300 deliveries until released.
    await t.subscribe({
      group: 'slow',
      topics: ['pool'],
      concurrency: 300,
      handler: async (d) => {
        await new Promise<void>((r) => gates.push(r));
        slow.push(d.record.id);
      },
    });
    await t.publish(
      'pool',
      Array.from({ length: 1000 }, (_, i) => rec(`r${String(i).padStart(4, '0')}`)),
    );
    await new Promise((r) => setImmediate(r));
    expect(fast).toHaveLength(1000);
    expect(gates).toHaveLength(300);
    // The slow group has read 300 of 1000: the other 700 are retained for it.
    expect(t.retained('pool')).toBe(700);
    expect(await t.backlog('pool')).toBe(1000);
    while (gates.length > 0) {
      for (const g of gates.splice(0)) g();
      await new Promise((r) => setImmediate(r));
    }
    await t.whenDrained();
    expect(slow).toHaveLength(1000);
    expect(t.retained('pool')).toBe(0);
    expect(await t.backlog('pool')).toBe(0);
    expect(await t.isDrained()).toBe(true);
  });

  it('keeps a topic no group reads yet for the first group, which then starts at the oldest message retained', async () => {
    const t = new InMemoryTransport();
    await t.publish('unique', [rec('a'), rec('b')]);
    expect(t.retained('unique')).toBe(2);
    const first: string[] = [];
    await t.subscribe({ group: 'one', topics: ['unique'], concurrency: 1, handler: async (d) => void first.push(d.record.id) });
    await t.whenDrained();
    expect(first).toEqual(['a', 'b']);
    expect(t.retained('unique')).toBe(0);
    await t.publish('unique', [rec('c')]);
    await t.whenDrained();
    const late: string[] = [];
    await t.subscribe({ group: 'late', topics: ['unique'], concurrency: 1, handler: async (d) => void late.push(d.record.id) });
    await t.publish('unique', [rec('d')]);
    await t.whenDrained();
    expect(first).toEqual(['a', 'b', 'c', 'd']);
    expect(late).toEqual(['d']);
    expect(t.retained('unique')).toBe(0);
  });

  it('holds no record after a whole pipeline of stages has drained', async () => {
    const t = new InMemoryTransport();
    const pass = (name: 'validate' | 'respond'): StageHandler<undefined> => ({
      name,
      handle: async (r) => [{ topic: name === 'validate' ? 'validated' : 'responded', record: { ...r, checks: [...r.checks] } }],
    });
    await runStage({ handler: pass('validate'), ctx: undefined, transport: t });
    await runStage({ handler: pass('respond'), ctx: undefined, transport: t });
    const end: string[] = [];
    await t.subscribe({ group: 'end', topics: ['responded'], concurrency: 4, handler: async (d) => void end.push(d.record.id) });
    await t.publish(
      'evolved',
      Array.from({ length: 5000 }, (_, i) => rec(`e${i}`)),
    );
    await t.whenDrained();
    expect(end).toHaveLength(5000);
    for (const topic of ['evolved', 'validated', 'responded'] as const) expect(t.retained(topic)).toBe(0);
  });
});
