// The lean chat-completions call against a tiny server over real HTTP: what it sends, what it
// returns, and that its failures are the openai SDK's error classes with the SDK's messages.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { APIConnectionError, APIConnectionTimeoutError, RateLimitError } from 'openai';
import { createChatEndpoint } from './http-chat.ts';
import { classifyFailure } from './retry.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
  stall?: boolean;
}

async function serve(answer: () => Answer): Promise<{ url: string; seen: { path: string; headers: IncomingHttpHeaders; body: unknown }[] }> {
  const seen: { path: string; headers: IncomingHttpHeaders; body: unknown }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const a = answer();
      if (a.stall) return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

const request = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, max_tokens: 9 };
const completion = JSON.stringify({ id: 'c1', choices: [{ message: { content: 'hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 1 } });
const endpoint = (baseUrl: string, timeoutMs = 5000) => createChatEndpoint({ baseUrl, apiKey: 'sk-test', timeoutMs, maxSockets: 4, headers: { 'openai-project': 'p1' } });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('createChatEndpoint', () => {
  it('posts the JSON body to /chat/completions with auth and extra headers, and returns status and data', async () => {
    const server = await serve(() => ({ status: 200, body: completion }));
    const chat = endpoint(`${server.url}/`);
    const { status, data } = await chat.create(request);
    expect([status, data.id, data.choices[0]?.message?.content, data.usage?.prompt_tokens]).toEqual([200, 'c1', 'hello', 2]);
    expect(server.seen[0]?.path).toBe('/v1/chat/completions');
    expect(server.seen[0]?.body).toEqual(request);
    expect(server.seen[0]?.headers).toMatchObject({ authorization: 'Bearer sk-test', 'content-type': 'application/json', 'openai-project': 'p1' });
    expect(chat.url).toBe(`${server.url}/`);
  });

  it('throws the SDK error for a status, with its message and headers (Retry-After still read)', async () => {
    const server = await serve(() => ({ status: 429, body: JSON.stringify({ error: { message: 'slow down', type: 'requests' } }), headers: { 'retry-after': '2' } }));
    const error = await rejection(endpoint(server.url).create(request));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toBe('429 slow down');
    expect(classifyFailure(error, 0)).toMatchObject({ status: 429, reason: 'rate-limit', retryAfterMs: 2000 });
    const plain = await serve(() => ({ status: 502, body: 'bad gateway' }));
    expect((await rejection(endpoint(plain.url).create(request))).message).toBe('502 bad gateway');
  });

  it('rejects a 200 that is not a chat completion, naming the URL, as a failure retries cannot fix', async () => {
    const server = await serve(() => ({ status: 200, body: '<html>' }));
    const error = await rejection(endpoint(server.url).create(request));
    expect(error.message).toContain(`${server.url}/chat/completions answered 200`);
    expect(classifyFailure(error, 0).reason).toBeUndefined();
  });

  it('times out a stalled answer and reports a refused connection as the SDK does', async () => {
    const stalled = await serve(() => ({ status: 200, body: '', stall: true }));
    const timeout = await rejection(endpoint(stalled.url, 100).create(request));
    expect(timeout).toBeInstanceOf(APIConnectionTimeoutError);
    expect(classifyFailure(timeout, 0).reason).toBe('timeout');
    const gone = await serve(() => ({ status: 200, body: completion }));
    await closers.pop()?.();
    const refused = await rejection(endpoint(gone.url).create(request));
    expect(refused).toBeInstanceOf(APIConnectionError);
    expect(classifyFailure(refused, 0)).toMatchObject({ status: 0, reason: 'connection' });
  });
});
