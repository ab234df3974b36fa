// A stop cancels the client's waits: cancelWaits ends retry sleeps and rate-limit pauses that
// would outlast the grace period, cancel ends everything (slot waits, requests on the wire) and
// refuses later calls. Cancelled calls reject with LlmCancelledError, are not cached and are not
// counted as errors. Every test here would hang for an hour (or until the test times out) if a
// cancel did not end its wait, so none of them asserts time.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isCancelled } from '@evolflow/core';
import { createLlmClient, type LlmClient, type LlmEvent } from './client.ts';
import { LlmCancelledError } from './errors.ts';
import { ask, cacheDir, cleanups, client, failure, llmConfig, manualClock, until, listenForTest } from './test-support.ts';

type Reply = { status: number; headers?: Record<string, string> } | 'stall';

/** A server answering request n with `script(n)`: a status (200 is a completion) or no answer at all. */
async function server(script: (n: number) => Reply) {
  let seen = 0;
  const http = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen += 1;
      const reply = script(seen);
      if (reply === 'stall') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(
        JSON.stringify(
          reply.status === 200
            ? {
                id: `c-${seen}`,
                choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
                usage: { prompt_tokens: 3, completion_tokens: 2 },
              }
            : { error: { message: `scripted ${reply.status}`, type: 'test' } },
        ),
      );
    });
  });
  return { url: await listenForTest(http), seen: () => seen };
}

const HOUR = { status: 429, headers: { 'retry-after': '3600' } };

/** A client on the real clock (its own timers), with its events collected. */
function realClient(config: ReturnType<typeof llmConfig>): LlmClient & { events: LlmEvent[] } {
  const events: LlmEvent[] = [];
  const llm = createLlmClient({ config, onEvent: (e) => events.push(e) });
  cleanups.push(() => llm.close());
  return Object.assign(llm, { events });
}

async function cancelled(p: Promise<unknown>): Promise<LlmCancelledError> {
  const error = await failure(p);
  expect(error).toBeInstanceOf(LlmCancelledError);
  expect([error.code, error.retriable, isCancelled(error)]).toEqual(['cancelled', false, true]);
  return error as LlmCancelledError;
}

describe('createLlmClient: a stop cancels waits', () => {
  it('ends a call waiting an hour on Retry-After, and the limiter pause it set; nothing is cached or counted as an error', async () => {
    const dir = cacheDir();
    const endpoint = await server((n) => (n === 1 ? HOUR : { status: 200 }));
    // A cap above the hour: without the cancel this call would wait the whole hour.
    const config = llmConfig(endpoint.url, { maxRetryAfterMs: 7_200_000, maxRetries: 3, cache: { enabled: true, dir } });
    const llm = realClient(config);
    const call = llm.complete('evolver', ask('x'), { recordId: 's1.r1' });
    await until(() => llm.events.some((e) => e.kind === 'retry'));
    llm.cancelWaits('SIGINT', 10_000);
    const error = await cancelled(call);
    expect([error.stoppedBy, error.during, error.role]).toEqual(['SIGINT', 'retry-wait', 'evolver']);
    expect(error.message).toBe(
      'LLM evolver call (model gpt-4o-mini) for record s1.r1 was cancelled by a stop (SIGINT) while it waited to retry (backoff or Retry-After); not an endpoint failure: the record is left undone, for a resume to do again',
    );
    // A new call after cancelWaits is taken, but the limiter's hour-long pause is past the grace: cancelled too, unsent.
    const paused = await cancelled(llm.complete('evolver', ask('y'), { recordId: 's2.r1' }));
    expect(paused.during).toBe('rate-limit-wait');
    expect(endpoint.seen()).toBe(1);
    expect(llm.usage()).toMatchObject({ calls: 1, retries: 0, errors: 0, cacheHits: 0 });
    expect(llm.events.map((e) => e.kind)).toEqual(['request', 'retry']);
    await llm.close();

    // Not cached: the same attempt in a fresh client on the same cache goes to the endpoint.
    const again = realClient(config);
    expect(await again.complete('evolver', ask('x'), { recordId: 's1.r1' })).toMatchObject({ text: 'ok', cached: false });
    expect(endpoint.seen()).toBe(2);
  });

  it('leaves waits shorter than the grace period alone, and works on a test clock that ignores the signal', async () => {
    const endpoint = await server((n) => (n === 1 ? { status: 500 } : n === 2 ? HOUR : { status: 200 }));
    const clock = manualClock();
    const llm = client({ config: llmConfig(endpoint.url, { maxRetryAfterMs: 7_200_000, maxRetries: 3 }), clock, random: () => 0.5 });
    llm.cancelWaits('SIGTERM', 1_000);
    const call = llm.complete('responder', ask('x'), { recordId: 'r7' });
    // The 500's backoff (5 ms) is within the grace: it sleeps on the test clock until moved.
    await until(() => clock.sleeping() === 1);
    clock.advance(100);
    // The 429 asks for an hour, past the grace: cancelled at once, though the test clock never gets there.
    const error = await cancelled(call);
    expect([error.stoppedBy, error.during]).toEqual(['SIGTERM', 'retry-wait']);
    expect(endpoint.seen()).toBe(2);
    expect(llm.sleeps).toEqual([5]); // the 500's backoff only: the hour was never slept
    expect(llm.usage()).toMatchObject({ calls: 2, retries: 1, errors: 0 });
    expect(llm.events.filter((e) => e.kind === 'error')).toEqual([]);
  });

  it('cancel aborts a request on the wire and a call waiting for a slot, refuses later calls, and close returns', async () => {
    const endpoint = await server(() => 'stall');
    // An hour-long timeout: only the cancel can end the request.
    const llm = realClient(llmConfig(endpoint.url, { concurrency: 1, timeoutMs: 3_600_000 }));
    const onWire = llm.complete('judge', ask('a'), { recordId: 'a' });
    const waiting = llm.complete('judge', ask('b'), { recordId: 'b' });
    await until(() => endpoint.seen() === 1);
    llm.cancelWaits('SIGINT');
    llm.cancel('SIGINT');
    expect((await cancelled(onWire)).during).toBe('request');
    expect((await cancelled(waiting)).during).toBe('slot-wait');
    const late = await cancelled(llm.complete('judge', ask('c'), { recordId: 'c' }));
    expect(late.message).toBe(
      'LLM judge call (model gpt-4o-mini) for record c was cancelled by a stop (SIGINT) before it started; not an endpoint failure: the record is left undone, for a resume to do again',
    );
    expect(endpoint.seen()).toBe(1);
    // The aborted request was sent, so it is a call; no call failed.
    expect(llm.usage()).toMatchObject({ calls: 1, retries: 0, errors: 0 });
    expect(llm.events.map((e) => (e.kind === 'request' ? `request ${e.status}` : e.kind))).toEqual(['request 0']);
    await llm.close();
  });

  it('cancels every call sharing one cached flight, each naming its own record', async () => {
    const endpoint = await server(() => HOUR);
    const llm = realClient(llmConfig(endpoint.url, { maxRetryAfterMs: 7_200_000, cache: { enabled: true, dir: cacheDir() } }));
    const first = llm.complete('evolver', ask('same'), { recordId: 'same' });
    const second = llm.complete('evolver', ask('same'), { recordId: 'same' });
    await until(() => llm.events.some((e) => e.kind === 'retry'));
    llm.cancel('max-cost');
    const errors = [await cancelled(first), await cancelled(second)];
    expect(errors.map((e) => [e.stoppedBy, e.during])).toEqual([
      ['max-cost', 'retry-wait'],
      ['max-cost', 'retry-wait'],
    ]);
    expect(endpoint.seen()).toBe(1);
    expect(llm.usage()).toMatchObject({ calls: 1, cacheHits: 0, errors: 0 });
    await llm.close();
  });

  it('isCancelled sees a cancellation through the causes a caller wraps it in, and nothing else', async () => {
    const endpoint = await server(() => ({ status: 200 }));
    const llm = realClient(llmConfig(endpoint.url));
    llm.cancel('SIGINT');
    const error = await cancelled(llm.complete('evolver', ask('x')));
    expect(isCancelled(new Error('verify failed', { cause: error }))).toBe(true);
    expect(isCancelled(new Error('verify failed', { cause: new Error('boom') }))).toBe(false);
    expect(isCancelled('cancelled')).toBe(false);
    expect(endpoint.seen()).toBe(0);
  });
});
