// runStage and a stop: a handler whose work a stop cancelled (a `cancelled` error, as an LLM call
// cut by the stop throws) leaves its record undone: no reject, no dead letter, no retry, and the
// error goes back to the transport so the record is not committed.
import { describe, expect, it } from 'vitest';
import { EvolflowError, isCancelled, type StageHandler } from '@evolflow/core';
import { InMemoryTransport } from './memory.ts';
import { runStage } from './run-stage.ts';
import { rec } from './test-support.ts';
import type { Delivery, SubscribeOptions, Transport } from './transport.ts';

const stopped = (id: string) => new EvolflowError('cancelled', `LLM responder call for record ${id} was cancelled by a stop (SIGINT)`);

describe('runStage: a cancelled record', () => {
  it('is neither rejected, dead-lettered nor retried, and is counted as cancelled', async () => {
    const t = new InMemoryTransport();
    const calls = new Map<string, number>();
    const handler: StageHandler<unknown> = {
      name: 'respond',
      handle: (r) => {
        calls.set(r.id, (calls.get(r.id) ?? 0) + 1);
        if (r.id === 'cut') throw stopped(r.id);
        // A handler that wraps the error it got keeps it a cancellation (isCancelled reads the causes).
        if (r.id === 'wrapped') throw new Error('verify: responder failed', { cause: stopped(r.id) });
        if (r.id === 'failed') throw new EvolflowError('llm-server', 'HTTP 500 after 3 attempts', { retriable: true });
        return [{ topic: 'responded', record: r }];
      },
    };
    const outcomes: string[] = [];
    const stage = await runStage({
      handler,
      ctx: undefined,
      transport: t,
      backoffBaseMs: 1,
      maxAttempts: 2,
      onRecord: (e) => void outcomes.push(`${e.record.id} ${e.outcome}`),
    });
    const downstream: string[] = [];
    await t.subscribe({
      group: 'down',
      topics: ['responded', 'rejected'],
      concurrency: 8,
      handler: async (d) => void downstream.push(d.record.id),
    });
    await t.publish('validated', [rec('cut'), rec('wrapped'), rec('fine'), rec('failed')]);
    await t.whenDrained();
    expect(Object.fromEntries(calls)).toEqual({ cut: 1, wrapped: 1, fine: 1, failed: 2 });
    expect(stage.stats).toMatchObject({ in: 4, out: 1, rejected: 0, absorbed: 0, deadLettered: 1, cancelled: 2, retries: 1, inFlight: 0 });
    expect(downstream).toEqual(['fine']);
    // Observers (the metrics) hear of each outcome, the cancelled ones included.
    expect(outcomes.sort()).toEqual(['cut cancelled', 'failed dead-lettered', 'fine out', 'wrapped cancelled']);
    // Only the real failure is a dead letter.
    expect(t.deadLetters().map((l) => JSON.parse(Buffer.from(l.valueBase64, 'base64').toString()).id)).toEqual(['failed']);
  });

  it('rethrows the cancellation to the transport, so the record is not committed', async () => {
    let deliver: ((d: Delivery) => Promise<void>) | undefined;
    const t = new InMemoryTransport();
    // The transport as runStage sees it, keeping the subscription's handler to call it as a Kafka consumer would.
    const capturing: Transport = Object.assign(Object.create(t) as Transport, {
      subscribe: async (o: SubscribeOptions) => {
        deliver = o.handler;
        return { stop: async () => {} };
      },
    });
    const handler: StageHandler<unknown> = {
      name: 'evolve',
      handle: (r) => {
        throw stopped(r.id);
      },
    };
    const stage = await runStage({ handler, ctx: undefined, transport: capturing });
    const error = await deliver?.({ topic: 'pool', record: rec('s1'), key: 's1', partition: 0, offset: '7' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCancelled(error)).toBe(true);
    expect(stage.stats).toMatchObject({ in: 1, cancelled: 1, deadLettered: 0, rejected: 0, inFlight: 0 });
  });
});
