// The client against the evolflow simulator over real HTTP: injected 429s, 500s and stalls,
// concurrency and rate limits, and the cache, counted on the server side.
import { describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '@evolflow/simulator';
import { ask, cacheDir, cleanups, client, failure, llmConfig, manualClock, until } from './test-support.ts';

async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ faultRate: 0, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

const statuses = (sim: RunningSimulator) => sim.stats().log.map((l) => l.status);

describe('llm client against the simulator', () => {
  it('retries a 429 with Retry-After: 1 only after waiting at least a second', async () => {
    const sim = await simulator();
    sim.inject({ kind: 'rate-limit', count: 1, retryAfterSeconds: 1 });
    const order: string[] = [];
    const llm = client({
      config: llmConfig(sim.url, { backoffBaseMs: 100, backoffMaxMs: 400 }),
      random: () => 0.99,
      onSleep: (ms) => order.push(`sleep ${ms} after ${sim.stats().requests} request(s)`),
    });
    const answer = await llm.complete('evolver', ask('Rewrite: name three primary colours.'), { recordId: 'r1' });
    expect(answer.cached).toBe(false);
    expect(order).toEqual(['sleep 1000 after 1 request(s)']);
    expect(statuses(sim)).toEqual([429, 200]);
    expect(llm.events.filter((e) => e.kind === 'retry')).toEqual([
      {
        kind: 'retry',
        role: 'evolver',
        model: 'gpt-4o-mini',
        attempt: 2,
        delayMs: 1000,
        reason: 'rate-limit',
        status: 429,
        retryAfterMs: 1000,
        recordId: 'r1',
      },
    ]);
  });

  it('retries 500s with backoff and gives up after maxRetries + 1 attempts', async () => {
    const sim = await simulator();
    sim.inject({ kind: 'server-error', count: 10 });
    const llm = client({ config: llmConfig(sim.url, { maxRetries: 3, backoffBaseMs: 200, backoffMaxMs: 500 }), random: () => 0.5 });
    const error = await failure(llm.complete('responder', ask('Explain photosynthesis.'), { recordId: 'rec-42' }));
    expect(sim.stats().byStatus).toEqual({ 500: 4 });
    expect(llm.sleeps).toEqual([100, 200, 250]);
    expect([error.code, error.retriable]).toEqual(['llm-server', false]);
    expect(error.message).toContain(
      'LLM responder call (model gpt-4o-mini) for record rec-42 failed after 4 attempts: HTTP 500 (server-error)',
    );
    expect(error.details).toMatchObject({ role: 'responder', model: 'gpt-4o-mini', status: 500, attempts: 4, recordId: 'rec-42' });
  });

  it('recovers from a stalled response by timing out and retrying', async () => {
    const sim = await simulator();
    sim.inject({ kind: 'stall', count: 1 });
    const llm = client({ config: llmConfig(sim.url, { timeoutMs: 1000, maxRetries: 2 }) });
    const answer = await llm.complete('judge', ask('Are these equal? A: 1 B: 1'));
    expect(answer.text.length).toBeGreaterThan(0);
    expect(llm.events.filter((e) => e.kind === 'retry').map((e) => e.kind === 'retry' && e.reason)).toEqual(['timeout']);
    expect(sim.stats().requests).toBe(2);
  });

  it('keeps at most `concurrency` requests in flight, and reaches it when there is enough work', async () => {
    const sim = await simulator({ latencyMs: 25 });
    const llm = client({ config: llmConfig(sim.url, { concurrency: 6 }) });
    await Promise.all(Array.from({ length: 4 }, (_, i) => llm.complete('responder', ask(`Warm-up ${i}`))));
    expect(sim.stats().maxInFlight).toBe(4);
    await Promise.all(Array.from({ length: 40 }, (_, i) => llm.complete('responder', ask(`Question number ${i}?`))));
    expect(sim.stats().maxInFlight).toBe(6);
    expect(sim.stats().byStatus).toEqual({ 200: 44 });
  });

  it('sends no more than rpm requests per window', async () => {
    const sim = await simulator();
    const clock = manualClock();
    const llm = client({ config: llmConfig(sim.url, { rpm: 7 }), clock });
    const all = Promise.all(Array.from({ length: 16 }, (_, i) => llm.complete('evolver', ask(`Item ${i}`))));
    const counts: number[] = [];
    for (let window = 0; window < 2; window += 1) {
      await until(() => llm.usage().calls === 7 * (window + 1) && clock.sleeping() === 1);
      counts.push(sim.stats().requests);
      clock.advance(60_000);
    }
    await all;
    counts.push(sim.stats().requests);
    expect(counts).toEqual([7, 14, 16]);
  });

  it('spends no more tokens per window than tpm allows', async () => {
    const sim = await simulator();
    const clock = manualClock();
    // Each call is charged 25 prompt + 100 completion tokens up front, then settled to what the
    // simulator reports (never more: it truncates at max_tokens), so 300 tpm admits two a window.
    const spent = new Map<number, number>();
    const sent = new Map<number, number>();
    const llm = client({
      config: llmConfig(sim.url, { tpm: 300, concurrency: 2, roles: { evolver: { maxTokens: 100 } } }),
      clock,
      onEvent: (e) => {
        // The test only moves the clock while nothing is in flight, so `now` is the send time.
        const window = Math.floor(clock.now() / 60_000);
        if (e.kind !== 'request') return;
        spent.set(window, (spent.get(window) ?? 0) + e.promptTokens + e.completionTokens);
        sent.set(window, (sent.get(window) ?? 0) + 1);
      },
    });
    const all = Promise.all(Array.from({ length: 8 }, (_, i) => llm.complete('evolver', ask(`Question ${i}: `.padEnd(100, 'x')))));
    const done = () => llm.usage().calls === 8;
    for (let i = 0; i < 10 && !done(); i += 1) {
      await until(() => done() || (clock.sleeping() > 0 && sim.stats().requests === llm.usage().calls));
      if (!done()) clock.advance(60_000);
    }
    await all;
    expect(sim.stats().requests).toBe(8);
    // Each call really costs 125 (the simulator's answers run past max_tokens), so two fit a window.
    expect([...sent.values()]).toEqual([2, 2, 2, 2]);
    for (const tokens of spent.values()) expect(tokens).toBeLessThanOrEqual(300);
  });

  it('answers a re-run from the cache with zero HTTP calls, across reopening, keyed by namespace', async () => {
    const sim = await simulator();
    const dir = cacheDir();
    const config = llmConfig(sim.url, { cache: { enabled: true, dir } });
    const prompts = Array.from({ length: 12 }, (_, i) => ask(`Seed instruction ${i}: list ${i + 2} fruits.`));
    const run = async (namespace: string) => {
      const llm = client({ config, cacheNamespace: namespace });
      const answers = await Promise.all(prompts.map((p) => llm.complete('evolver', p)));
      await llm.close();
      return { answers, usage: llm.usage() };
    };
    const first = await run('sim:7:0');
    expect(sim.stats().requests).toBe(12);
    const second = await run('sim:7:0');
    expect(sim.stats().requests).toBe(12);
    expect(second.usage).toMatchObject({ calls: 0, cacheHits: 12, promptTokens: 0, completionTokens: 0 });
    expect(second.answers.map((a) => a.text)).toEqual(first.answers.map((a) => a.text));
    expect(second.answers.every((a) => a.cached)).toBe(true);
    await run('sim:7:0.1');
    expect(sim.stats().requests).toBe(24);
  });
});
