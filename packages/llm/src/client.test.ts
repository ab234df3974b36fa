// The client against a tiny scripted OpenAI-compatible server over real HTTP.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@evolflow/core';
import { createLlmClient } from './client.ts';
import { LlmError } from './errors.ts';
import { ask, cacheDir, cleanups, client, failure, llmConfig, manualClock, until } from './test-support.ts';

interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** Overrides the default completion body. */
  body?: unknown;
  delayMs?: number;
  /** Never answer (the client must time out). */
  stall?: boolean;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

interface Seen {
  n: number;
  body: { model: string; temperature: number; max_tokens: number; messages: ChatMessage[] };
  headers: IncomingHttpHeaders;
  /** `stamp()` at arrival (the test's virtual clock when it has one). */
  at: number;
}

interface TestServer {
  url: string;
  seen: Seen[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** Start a server answering each request by `script(n)` (n counts from 1). */
async function startServer(script: (n: number, seen: Seen) => Reply = () => ({}), stamp: () => number = () => 0): Promise<TestServer> {
  const state = { seen: [] as Seen[], inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        n: state.seen.length + 1,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        headers: req.headers,
        at: stamp(),
      };
      state.seen.push(seen);
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const reply = script(seen.n, seen);
      if (reply.stall) return;
      const send = () => {
        state.inFlight -= 1;
        const status = reply.status ?? 200;
        const last = seen.body.messages[seen.body.messages.length - 1]?.content ?? '';
        const body =
          reply.body ??
          (status === 200
            ? {
                id: `cmpl-${seen.n}`,
                object: 'chat.completion',
                created: 0,
                model: seen.body.model,
                choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${last}` }, finish_reason: 'stop' }],
                usage: { ...(reply.usage ?? { prompt_tokens: 10, completion_tokens: 5 }), total_tokens: 0 },
              }
            : { error: { message: `scripted ${status}`, type: 'test' } });
        res.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(body));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(close);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    seen: state.seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close,
  };
}

describe('createLlmClient: calls', () => {
  it('sends the role model and parameters and returns text, id and usage', async () => {
    const server = await startServer();
    const config = llmConfig(server.url, { roles: { judge: { model: 'judge-model', temperature: 0, maxTokens: 16 } } });
    const llm = client({ config });
    const answer = await llm.complete('judge', ask('same?'), { recordId: 'r1' });
    expect(answer).toEqual({
      text: 'echo: same?',
      id: 'cmpl-1',
      promptTokens: 10,
      completionTokens: 5,
      cached: false,
      finishReason: 'stop',
    });
    await llm.complete('evolver', ask('harder'), { temperature: 1.3, maxTokens: 99 });
    expect(server.seen.map((s) => [s.body.model, s.body.temperature, s.body.max_tokens])).toEqual([
      ['judge-model', 0, 16],
      ['gpt-4o-mini', 1.3, 99],
    ]);
    expect(llm.events[0]).toMatchObject({
      kind: 'request',
      role: 'judge',
      model: 'judge-model',
      status: 200,
      promptTokens: 10,
      completionTokens: 5,
      recordId: 'r1',
    });
    expect(llm.usage()).toMatchObject({ calls: 2, cacheHits: 0, retries: 0, errors: 0, promptTokens: 20, completionTokens: 10 });
    expect(llm.usage().byRole).toEqual({
      evolver: { calls: 1, cacheHits: 0, promptTokens: 10, completionTokens: 5 },
      responder: { calls: 0, cacheHits: 0, promptTokens: 0, completionTokens: 0 },
      judge: { calls: 1, cacheHits: 0, promptTokens: 10, completionTokens: 5 },
    });
  });

  it('routes a role to its own base URL; the baseUrl option replaces llm.baseUrl for the others', async () => {
    const main = await startServer();
    const judge = await startServer();
    const config = llmConfig(main.url, { roles: { judge: { baseUrl: judge.url } } });
    const llm = client({ config });
    await llm.complete('judge', ask('a'));
    await llm.complete('responder', ask('b'));
    expect([main.seen.length, judge.seen.length]).toEqual([1, 1]);
    const sim = await startServer();
    const simulated = client({ config, baseUrl: sim.url });
    await simulated.complete('judge', ask('c'));
    await simulated.complete('evolver', ask('d'));
    expect([main.seen.length, judge.seen.length, sim.seen.length]).toEqual([1, 2, 1]);
  });

  it('takes the API key from OPENAI_API_KEY for provider openai, and refuses to start without one', async () => {
    const server = await startServer();
    const saved = process.env.OPENAI_API_KEY;
    cleanups.push(() => {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    });
    process.env.OPENAI_API_KEY = 'sk-from-env';
    await client({ config: llmConfig(server.url, { provider: 'openai' }) }).complete('evolver', ask('x'));
    expect(server.seen[0]?.headers.authorization).toBe('Bearer sk-from-env');
    await client({ config: llmConfig(server.url, { provider: 'openai', apiKey: 'sk-config' }) }).complete('evolver', ask('y'));
    expect(server.seen[1]?.headers.authorization).toBe('Bearer sk-config');
    delete process.env.OPENAI_API_KEY;
    expect(() => createLlmClient({ config: llmConfig(server.url, { provider: 'openai' }) })).toThrow(/OPENAI_API_KEY/);
    expect(() => createLlmClient({ config: llmConfig('') })).toThrow(/llm\.baseUrl/);
  });
  it('survives a throwing onEvent hook (logged) and refuses calls once closed', async () => {
    const server = await startServer();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (msg: string) => warnings.push(msg), error() {} };
    const llm = createLlmClient({
      config: llmConfig(server.url),
      logger,
      onEvent: () => {
        throw new Error('observer bug');
      },
    });
    expect((await llm.complete('evolver', ask('x'))).text).toBe('echo: x');
    expect(warnings).toEqual(['llm onEvent hook threw on a request event: observer bug']);
    await llm.close();
    const error = await failure(llm.complete('evolver', ask('x'), { recordId: 'late' }));
    expect([error.code, server.seen.length]).toEqual(['internal', 1]);
    expect(error.message).toMatch(/record late after the client was closed/);
  });
});

describe('createLlmClient: retries', () => {
  it('retries a 429 no sooner than its Retry-After', async () => {
    const order: string[] = [];
    const server = await startServer((n) => {
      order.push(`request ${n}`);
      return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : {};
    });
    const llm = client({
      config: llmConfig(server.url, { backoffBaseMs: 100, backoffMaxMs: 400 }),
      random: () => 0.99,
      onSleep: (ms) => order.push(`sleep ${ms}`),
    });
    const answer = await llm.complete('evolver', ask('x'), { recordId: 'r9' });
    expect(answer.text).toBe('echo: x');
    expect(order).toEqual(['request 1', 'sleep 1000', 'request 2']);
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
        recordId: 'r9',
      },
    ]);
    expect(llm.events.filter((e) => e.kind === 'request').map((e) => e.kind === 'request' && e.status)).toEqual([429, 200]);
    expect(llm.usage()).toMatchObject({ calls: 2, retries: 1, errors: 0 });
  });

  it('honours retry-after-ms', async () => {
    const server = await startServer((n) => (n === 1 ? { status: 429, headers: { 'retry-after-ms': '1500' } } : {}));
    const llm = client({ config: llmConfig(server.url), random: () => 0 });
    await llm.complete('evolver', ask('x'));
    expect(llm.sleeps).toEqual([1500]);
  });

  it('honours Retry-After only up to llm.maxRetryAfterMs: an hour-long ask does not freeze the run', async () => {
    const server = await startServer((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '3600' } } : {}));
    const llm = client({ config: llmConfig(server.url, { maxRetryAfterMs: 2000 }), random: () => 0 });
    expect((await llm.complete('evolver', ask('x'))).text).toBe('echo: x');
    expect(llm.sleeps).toEqual([2000]);
    expect(server.seen.length).toBe(2);
  });

  it('backs off on 500s and gives up after maxRetries with a clear llm-server error', async () => {
    const server = await startServer(() => ({ status: 500 }));
    const llm = client({ config: llmConfig(server.url, { maxRetries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 }), random: () => 0.5 });
    const error = await failure(llm.complete('responder', ask('x'), { recordId: 'rec-7' }));
    expect(server.seen.length).toBe(4);
    expect(llm.sleeps).toEqual([50, 100, 200]);
    expect(error.code).toBe('llm-server');
    expect(error.retriable).toBe(false);
    expect(error.message).toMatch(/responder/);
    expect(error.message).toMatch(/gpt-4o-mini/);
    expect(error.message).toMatch(/rec-7/);
    expect(error.message).toMatch(/after 4 attempts: HTTP 500/);
    expect(llm.usage()).toMatchObject({ calls: 4, retries: 3, errors: 1, promptTokens: 0 });
    expect(llm.events.filter((e) => e.kind === 'error')).toHaveLength(1);
    // The failure as typed fields, on the error and on the event: nobody reads them back out of the message.
    expect(error).toBeInstanceOf(LlmError);
    const typed = error as LlmError;
    expect([typed.role, typed.model, typed.status, typed.reason, typed.retryAfterMs, typed.attempts]).toEqual([
      'responder',
      'gpt-4o-mini',
      500,
      'server-error',
      undefined,
      4,
    ]);
    const event = llm.events.find((e) => e.kind === 'error');
    expect(event).toMatchObject({ kind: 'error', role: 'responder', status: 500, reason: 'server-error', attempts: 4, recordId: 'rec-7' });
    expect(event && 'retryAfterMs' in event).toBe(false);
  });

  it('gives up on endless 429s with llm-rate-limit', async () => {
    const server = await startServer(() => ({ status: 429 }));
    const llm = client({ config: llmConfig(server.url, { maxRetries: 2 }) });
    const error = await failure(llm.complete('evolver', ask('x')));
    expect([error.code, server.seen.length]).toEqual(['llm-rate-limit', 3]);
    expect(error).toMatchObject({ status: 429, reason: 'rate-limit', attempts: 3 });
    expect(llm.events.find((e) => e.kind === 'error')).toMatchObject({ status: 429, reason: 'rate-limit', attempts: 3 });
  });

  it('does not retry a 400', async () => {
    const server = await startServer(() => ({ status: 400 }));
    const llm = client({ config: llmConfig(server.url, { maxRetries: 5 }) });
    const error = await failure(llm.complete('judge', ask('x'), { recordId: 'r2' }));
    expect([error.code, error.retriable, server.seen.length, llm.sleeps.length]).toEqual(['llm', false, 1, 0]);
    expect(error.message).toMatch(/after 1 attempt: HTTP 400/);
    expect(error).toMatchObject({ status: 400, reason: undefined, attempts: 1 });
    const event = llm.events.find((e) => e.kind === 'error');
    expect(event).toMatchObject({ status: 400, attempts: 1 });
    expect(event && 'reason' in event).toBe(false);
  });

  it('retries 408 and times out stalled requests as llm-timeout', async () => {
    const s408 = await startServer((n) => (n < 3 ? { status: 408 } : {}));
    const ok = await client({ config: llmConfig(s408.url, { maxRetries: 2 }) }).complete('evolver', ask('x'));
    expect([ok.text, s408.seen.length]).toEqual(['echo: x', 3]);
    const stalled = await startServer(() => ({ stall: true }));
    const llm = client({ config: llmConfig(stalled.url, { maxRetries: 1, timeoutMs: 500 }) });
    const error = await failure(llm.complete('evolver', ask('x'), { recordId: 'slow' }));
    expect([error.code, stalled.seen.length]).toEqual(['llm-timeout', 2]);
    expect(error).toMatchObject({ status: 0, reason: 'timeout', attempts: 2 });
    expect(llm.events.filter((e) => e.kind === 'retry').map((e) => e.kind === 'retry' && e.reason)).toEqual(['timeout']);
  });

  it('retries connection errors and names the endpoint when giving up', async () => {
    const gone = await startServer();
    await gone.close();
    const llm = client({ config: llmConfig(gone.url, { maxRetries: 2 }) });
    const error = await failure(llm.complete('evolver', ask('x')));
    expect(error.code).toBe('llm');
    expect(error.message).toContain(gone.url);
    expect(error).toMatchObject({ status: 0, reason: 'connection', attempts: 3 });
    expect(llm.events.filter((e) => e.kind === 'retry').map((e) => e.kind === 'retry' && e.status)).toEqual([0, 0]);
    expect(llm.events.filter((e) => e.kind === 'retry').map((e) => e.kind === 'retry' && e.reason)).toEqual(['connection', 'connection']);
  });
});

describe('createLlmClient: limits', () => {
  it('never has more than `concurrency` requests in flight, and fills them when there is work', async () => {
    const server = await startServer(() => ({ delayMs: 20 }));
    const llm = client({ config: llmConfig(server.url, { concurrency: 4 }) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => llm.complete('evolver', ask(`q${i}`))));
    expect([server.seen.length, server.maxInFlight]).toEqual([20, 4]);
  });

  it('admits at most rpm requests per minute', async () => {
    const clock = manualClock();
    const server = await startServer(() => ({}), clock.now);
    const llm = client({ config: llmConfig(server.url, { rpm: 10 }), clock });
    const answered = () => llm.events.filter((e) => e.kind === 'request').length;
    const all = Promise.all(Array.from({ length: 25 }, (_, i) => llm.complete('evolver', ask(`q${i}`))));
    await until(() => answered() === 10 && clock.sleeping() === 1);
    expect(server.seen.length).toBe(10);
    clock.advance(59_999);
    expect(clock.sleeping()).toBe(1);
    clock.advance(1);
    await until(() => answered() === 20 && clock.sleeping() === 1);
    expect(server.seen.length).toBe(20);
    clock.advance(60_000);
    await all;
    const at = server.seen.map((s) => s.at);
    expect([0, 60_000, 120_000].map((t) => at.filter((x) => x === t).length)).toEqual([10, 10, 5]);
  });

  it('admits at most tpm tokens per minute, charging estimates and settling real usage', async () => {
    const clock = manualClock();
    // 400 characters = 100 estimated prompt tokens + maxTokens 200 = 300 up front; 150 really used,
    // so a window holds 4 settled calls (600) + 1 estimated (300); a 6th (1050) waits.
    const server = await startServer(() => ({ usage: { prompt_tokens: 100, completion_tokens: 50 } }), clock.now);
    const llm = client({ config: llmConfig(server.url, { tpm: 1000, concurrency: 1, roles: { evolver: { maxTokens: 200 } } }), clock });
    const answered = () => llm.events.filter((e) => e.kind === 'request').length;
    const all = Promise.all(Array.from({ length: 12 }, (_, i) => llm.complete('evolver', ask(String(i).padEnd(400, '.')))));
    await until(() => answered() === 5 && clock.sleeping() === 1);
    clock.advance(60_000);
    await until(() => answered() === 10 && clock.sleeping() === 1);
    clock.advance(60_000);
    await all;
    const at = server.seen.map((s) => s.at);
    expect([0, 60_000, 120_000].map((t) => at.filter((x) => x === t).length)).toEqual([5, 5, 2]);
    expect(llm.usage()).toMatchObject({ calls: 12, promptTokens: 1200, completionTokens: 600 });
  });
});

describe('createLlmClient: cache', () => {
  it('answers an identical call from the cache, without HTTP or spent tokens, across reopening', async () => {
    const server = await startServer();
    const config = llmConfig(server.url, { cache: { enabled: true, dir: cacheDir() } });
    const first = client({ config });
    expect((await first.complete('evolver', ask('x'), { recordId: 'r5' })).cached).toBe(false);
    const again = await first.complete('evolver', ask('x'), { recordId: 'r5' });
    expect(again).toEqual({ text: 'echo: x', id: 'cmpl-1', promptTokens: 10, completionTokens: 5, cached: true, finishReason: 'stop' });
    expect(server.seen.length).toBe(1);
    expect(first.usage()).toMatchObject({
      calls: 1,
      cacheHits: 1,
      promptTokens: 10,
      completionTokens: 5,
      saved: { promptTokens: 10, completionTokens: 5 },
    });
    expect(first.events.at(-1)).toEqual({ kind: 'cache-hit', role: 'evolver', model: 'gpt-4o-mini', recordId: 'r5' });
    await first.close();

    const reopened = client({ config });
    expect((await reopened.complete('evolver', ask('x'), { recordId: 'r5' })).cached).toBe(true);
    expect(server.seen.length).toBe(1);
    expect(reopened.usage()).toMatchObject({ calls: 0, cacheHits: 1, promptTokens: 0 });
  });

  it('keys by namespace, model, temperature, maxTokens, messages and the base URL (without its credentials)', async () => {
    const server = await startServer();
    const dir = cacheDir();
    const config = llmConfig(server.url, { cache: { enabled: true, dir } });
    const llm = client({ config });
    await llm.complete('evolver', ask('x'));
    await llm.complete('evolver', ask('y'));
    await llm.complete('evolver', ask('x'), { temperature: 0.1 });
    await llm.complete('evolver', ask('x'), { maxTokens: 7 });
    await llm.complete('evolver', [{ role: 'system', content: 'x' }]);
    await llm.complete('judge', ask('x')); // the judge's default temperature is 0
    expect(server.seen.length).toBe(6);
    await client({ config: llmConfig(server.url, { cache: { enabled: true, dir }, roles: { judge: { model: 'other' } } }) }).complete(
      'judge',
      ask('x'),
    );
    await client({ config, cacheNamespace: 'sim:7:0.1' }).complete('evolver', ask('x'));
    expect(server.seen.length).toBe(8);
    await llm.close();

    // Another endpoint serving the same model name gets its own answers (issue 13: it got the first one's).
    const elsewhere = await startServer();
    const moved = client({ config: llmConfig(elsewhere.url, { cache: { enabled: true, dir } }) });
    expect((await moved.complete('evolver', ask('y'))).cached).toBe(false);
    expect(elsewhere.seen.length).toBe(1);
    await moved.close();
    // The same endpoint with credentials in its URL is the same endpoint.
    const withKey = client({
      config: llmConfig(server.url.replace('http://', 'http://user:rotated-key-1@'), { cache: { enabled: true, dir } }),
    });
    expect((await withKey.complete('evolver', ask('y'))).cached).toBe(true);
  });

  it('keys a server started by the caller by the name it is given, not by its port (a new one every run)', async () => {
    const dir = cacheDir();
    const first = await startServer();
    const a = client({
      config: llmConfig(first.url, { cache: { enabled: true, dir } }),
      cacheNamespace: 'sim:7',
      cacheEndpoint: 'started-by-evolflow',
    });
    await a.complete('evolver', ask('x'), { recordId: 's.r1' });
    await a.close();
    const second = await startServer();
    const b = client({
      config: llmConfig(second.url, { cache: { enabled: true, dir } }),
      cacheNamespace: 'sim:7',
      cacheEndpoint: 'started-by-evolflow',
    });
    expect((await b.complete('evolver', ask('x'), { recordId: 's.r1' })).cached).toBe(true);
    expect(second.seen.length).toBe(0);
    await b.close();
  });

  it('keys by attempt: another record asking the same gets a new sample, the same record after a restart gets its answer again', async () => {
    const server = await startServer();
    const dir = cacheDir();
    const config = llmConfig(server.url, { cache: { enabled: true, dir } });
    const llm = client({ config });
    // A parent rejected in round 1 is evolved again with the same prompt in round 2: a new child id, a new sample.
    expect((await llm.complete('evolver', ask('evolve P'), { recordId: 's1.r1' })).cached).toBe(false);
    expect((await llm.complete('evolver', ask('evolve P'), { recordId: 's1.r2' })).cached).toBe(false);
    expect(server.seen.length).toBe(2);
    await llm.close();
    // A replay of the same attempt (the run crashed and is run again) is served from the cache.
    const replay = client({ config });
    expect((await replay.complete('evolver', ask('evolve P'), { recordId: 's1.r2' })).cached).toBe(true);
    expect(server.seen.length).toBe(2);
    await replay.close();
  });

  it('shares the cache with another process using the same folder at the same time', async () => {
    const server = await startServer();
    const dir = cacheDir();
    const config = llmConfig(server.url, { cache: { enabled: true, dir } });
    const here = client({ config });
    await here.complete('evolver', ask('mine'));
    // The other process answers 'mine' from our write and pays for 'theirs'; we keep our cache open.
    const script = `
      const { createLlmClient } = await import(${JSON.stringify(new URL('./client.ts', import.meta.url).href)});
      const llm = createLlmClient({ config: ${JSON.stringify(config)} });
      const ask = (content) => [{ role: 'user', content }];
      const a = await llm.complete('evolver', ask('mine'));
      const b = await llm.complete('evolver', ask('theirs'));
      await llm.close();
      console.log(JSON.stringify([a.cached, b.cached]));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual([true, false]);
    expect(server.seen.length).toBe(2);
    expect((await here.complete('evolver', ask('theirs'))).cached).toBe(true);
    expect(server.seen.length).toBe(2);
  });

  it('shares one HTTP call among concurrent identical requests', async () => {
    const server = await startServer(() => ({ delayMs: 30 }));
    const llm = client({ config: llmConfig(server.url, { cache: { enabled: true, dir: cacheDir() } }) });
    // The same attempt delivered five times at once (an at-least-once transport redelivering it).
    const answers = await Promise.all(Array.from({ length: 5 }, () => llm.complete('responder', ask('same'), { recordId: 's1.r1' })));
    expect(server.seen.length).toBe(1);
    expect(answers.map((a) => a.cached).sort()).toEqual([false, true, true, true, true]);
    expect(llm.usage()).toMatchObject({ calls: 1, cacheHits: 4, promptTokens: 10 });
  });

  it('does not cache failures, and makes every call when the cache is off', async () => {
    const server = await startServer((n) => (n === 1 ? { status: 400 } : {}));
    const cached = client({ config: llmConfig(server.url, { cache: { enabled: true, dir: cacheDir() } }) });
    await failure(cached.complete('evolver', ask('x')));
    expect((await cached.complete('evolver', ask('x'))).cached).toBe(false);
    const uncached = client({ config: llmConfig(server.url) });
    await uncached.complete('evolver', ask('x'));
    await uncached.complete('evolver', ask('x'));
    expect(server.seen.length).toBe(4);
  });
});
