// The lean chat-completions call against a tiny server over real HTTP: what it sends, what it
// returns, that its failures are the openai SDK's error classes with the SDK's messages, and the
// connection handling undici does for it (keep-alive reuse, the socket limit, a server closing or
// dropping the connection, chunked bodies, TLS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

async function serve(
  answer: () => Answer,
): Promise<{ url: string; seen: { path: string; headers: IncomingHttpHeaders; body: unknown }[] }> {
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
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

const request = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, max_tokens: 9 };
const completion = JSON.stringify({
  id: 'c1',
  choices: [{ message: { content: 'hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 2, completion_tokens: 1 },
});
const endpoint = (baseUrl: string, timeoutMs = 5000) =>
  createChatEndpoint({ baseUrl, apiKey: 'sk-test', timeoutMs, maxSockets: 4, headers: { 'openai-project': 'p1' } });

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
    expect(server.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer sk-test',
      'content-type': 'application/json',
      'openai-project': 'p1',
    });
    expect(chat.url).toBe(`${server.url}/`);
  });

  it('throws the SDK error for a status, with its message and headers (Retry-After still read)', async () => {
    const server = await serve(() => ({
      status: 429,
      body: JSON.stringify({ error: { message: 'slow down', type: 'requests' } }),
      headers: { 'retry-after': '2' },
    }));
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

  it('refuses a header holding a line break when the endpoint is made, not on every request', () => {
    expect(() =>
      createChatEndpoint({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k\r\nx-injected: 1', timeoutMs: 100, maxSockets: 1 }),
    ).toThrow(/request header authorization holds a line break/);
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

/** A server running `handle` for each request (body read first); counts the connections it accepted. */
async function serveRaw(
  handle: (n: number, req: IncomingMessage, res: ServerResponse) => void,
  server: Server & { closeAllConnections?: () => void } = createServer(),
) {
  const state = { connections: 0, requests: 0 };
  server.on('connection', () => state.connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => handle(++state.requests, req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, state };
}

const answer = (res: ServerResponse, headers: Record<string, string> = {}) => {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(completion);
};

describe('connections (undici keep-alive pool)', () => {
  it('reuses keep-alive connections for calls one after another', async () => {
    const server = await serveRaw((_n, _req, res) => answer(res));
    const chat = endpoint(`http://127.0.0.1:${server.port}/v1`);
    for (let i = 0; i < 6; i++) expect((await chat.create(request)).status).toBe(200);
    // undici's Pool readies a second connection while the first is busy, then alternates: six calls, two connections.
    expect(server.state.requests).toBe(6);
    expect(server.state.connections).toBeLessThanOrEqual(2);
    await chat.close();
  });

  it('opens at most maxSockets connections and queues the rest', async () => {
    const server = await serveRaw((_n, _req, res) => setTimeout(() => answer(res), 5));
    const chat = createChatEndpoint({ baseUrl: `http://127.0.0.1:${server.port}/v1`, apiKey: 'k', timeoutMs: 5000, maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat.create(request)));
    expect(answers.map((a) => a.data.id)).toEqual(Array(10).fill('c1'));
    expect(server.state.requests).toBe(10);
    expect(server.state.connections).toBeLessThanOrEqual(2);
    await chat.close();
  });

  it('opens a new connection when the server closes it, and fails a dropped request as a connection error', async () => {
    const server = await serveRaw((n, req, res) => {
      if (n === 2)
        req.socket.destroy(); // no answer at all
      else answer(res, { connection: 'close' });
    });
    const chat = endpoint(`http://127.0.0.1:${server.port}/v1`);
    expect((await chat.create(request)).status).toBe(200);
    const dropped = await rejection(chat.create(request));
    expect(dropped).toBeInstanceOf(APIConnectionError);
    expect(dropped).not.toBeInstanceOf(APIConnectionTimeoutError);
    expect(classifyFailure(dropped, 0)).toMatchObject({ status: 0, reason: 'connection' });
    expect((await chat.create(request)).status).toBe(200);
    expect(server.state).toEqual({ connections: 3, requests: 3 });
  });

  it('reads a chunked body whose pieces split a multi-byte character', async () => {
    const body = Buffer.from(JSON.stringify({ id: 'c2', choices: [{ message: { content: 'é中文 ok' } }] }));
    const cut = body.indexOf(Buffer.from('中')) + 1;
    const server = await serveRaw((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
      res.write(body.subarray(0, cut));
      setTimeout(() => res.end(body.subarray(cut)), 5);
    });
    const { data } = await endpoint(`http://127.0.0.1:${server.port}/v1`).create(request);
    expect(data.choices[0]?.message?.content).toBe('é中文 ok');
  });

  it('times out a request still waiting for a busy connection, and the connection serves the next call', async () => {
    let release: (() => void) | undefined;
    const server = await serveRaw((n, _req, res) => {
      if (n === 1) release = () => answer(res);
      else answer(res);
    });
    const chat = createChatEndpoint({ baseUrl: `http://127.0.0.1:${server.port}/v1`, apiKey: 'k', timeoutMs: 100, maxSockets: 1 });
    const [first, second] = await Promise.all([rejection(chat.create(request)), rejection(chat.create(request))]);
    expect([first, second].map((e) => e instanceof APIConnectionTimeoutError)).toEqual([true, true]);
    release?.();
    expect((await chat.create(request)).status).toBe(200);
  });

  it('aborts a request on the wire or queued for a busy connection when its signal aborts, with the reason; an aborted signal sends nothing', async () => {
    let release: (() => void) | undefined;
    let seen = 0;
    const server = await serveRaw((n, _req, res) => {
      seen = n;
      if (n === 1) release = () => answer(res);
      else answer(res);
    });
    // An hour-long timeout: only the signal ends these requests.
    const chat = createChatEndpoint({ baseUrl: `http://127.0.0.1:${server.port}/v1`, apiKey: 'k', timeoutMs: 3_600_000, maxSockets: 1 });
    const stop = new AbortController();
    const reason = new Error('cancelled by a stop (SIGINT)');
    const calls = [rejection(chat.create(request, stop.signal)), rejection(chat.create(request, stop.signal))];
    while (seen === 0) await new Promise((r) => setTimeout(r, 5));
    stop.abort(reason);
    expect(await Promise.all(calls)).toEqual([reason, reason]);
    expect(await rejection(chat.create(request, stop.signal))).toBe(reason);
    expect(seen).toBe(1);
    release?.();
    // The pool is not wedged: a call without the signal is served.
    expect((await chat.create(request)).status).toBe(200);
  });

  it('speaks TLS to an https: endpoint and refuses a certificate it cannot verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http-chat-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    const server = await serveRaw((_n, _req, res) => answer(res), tls);
    const error = await rejection(endpoint(`https://127.0.0.1:${server.port}/v1`).create(request));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(String((error as { cause?: { code?: string } }).cause?.code)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    expect(server.state.requests).toBe(0);
  });
});

/**
 * A TCP server that answers each request (read to its blank line plus Content-Length) with the exact
 * bytes `reply(n)` gives, written `step` bytes at a time; `close` ends the connection after them.
 */
async function serveBytes(reply: (n: number) => { bytes: string | Buffer; close?: boolean }, step = Infinity) {
  const state = { connections: 0, requests: 0 };
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a client that gives up on a broken reply resets the socket
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const head = pending.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(pending.subarray(0, head).toString())?.[1] ?? 0);
        if (pending.length < head + 4 + length) return;
        pending = pending.subarray(head + 4 + length);
        const { bytes, close } = reply(++state.requests);
        const raw = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
        for (let i = 0; i < raw.length; i += step) socket.write(raw.subarray(i, i + step));
        if (close) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, state };
}

// What the hand-written reader's tests (http1.test.ts) checked byte by byte, now asked of the client
// as a whole: replies real servers and proxies send, framed by undici.
describe('replies as real servers and proxies send them', () => {
  const json = '{"id":"c3","choices":[{"message":{"content":"é中"}}]}';
  const length = Buffer.byteLength(json);
  /** Calls through one endpoint (one keep-alive pool) per server, so connection counts mean reuse. */
  const caller = (url: string) => {
    const chat = endpoint(url);
    return async () => (await chat.create(request)).data.choices[0]?.message?.content;
  };

  it('frames by Content-Length whatever the packet boundaries, with a header given twice', async () => {
    for (const step of [1, 7, Infinity]) {
      const server = await serveBytes(
        () => ({
          bytes: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nX-Twice: a\r\nx-twice: b\r\n\r\n${json}`,
        }),
        step,
      );
      expect(await caller(server.url)()).toBe('é中');
    }
  });

  it('decodes chunked bodies with extensions and trailers, and reuses the connection after them', async () => {
    const body = Buffer.from(json);
    const cut = 4; // inside neither character: the split of a character is the earlier test's
    const chunked = Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${cut.toString(16)};ext=1\r\n`),
      body.subarray(0, cut),
      Buffer.from(`\r\n${(body.length - cut).toString(16)}\r\n`),
      body.subarray(cut),
      Buffer.from('\r\n0\r\nX-Trailer: t\r\n\r\n'),
    ]);
    const server = await serveBytes(() => ({ bytes: chunked }), 5);
    const content = caller(server.url);
    for (let i = 0; i < 6; i++) expect(await content()).toBe('é中');
    // Reused after the trailers: undici keeps at most one spare connection (as in the reuse test above).
    expect(server.state.requests).toBe(6);
    expect(server.state.connections).toBeLessThanOrEqual(2);
  });

  it('fails an unasked-for 100 Continue as a connection error a retry may cure (undici does not parse 1xx; the old client skipped it)', async () => {
    // RFC 9110 wants a client to skip 1xx replies it did not ask for; undici rejects the socket
    // instead (nodejs/undici#201), so only a broken server or proxy that sends one is affected: its
    // calls fail and are retried, never misread. The hand-written client read the 429 behind it.
    const server = await serveBytes(
      () => ({
        bytes:
          'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
      }),
      4,
    );
    const error = await rejection(endpoint(server.url).create(request));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(classifyFailure(error, 0)).toMatchObject({ status: 0, reason: 'connection' });
    // A 429 with Retry-After, sent plainly, is still read (the status test above covers its error class).
    const plain = await serveBytes(
      () => ({
        bytes: 'HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
      }),
      4,
    );
    const limited = await rejection(endpoint(plain.url).create(request));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(classifyFailure(limited, 0)).toMatchObject({ status: 429, retryAfterMs: 2000 });
  });

  it('honours Connection: close and HTTP/1.0 (a new connection for the next call), and reads to the end without a length', async () => {
    const close = await serveBytes(() => ({
      bytes: `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n${json}`,
      close: true,
    }));
    const viaClose = caller(close.url);
    for (let i = 0; i < 3; i++) expect(await viaClose()).toBe('é中');
    expect(close.state).toEqual({ connections: 3, requests: 3 });
    const old = await serveBytes(() => ({ bytes: `HTTP/1.0 200 OK\r\nContent-Length: ${length}\r\n\r\n${json}`, close: true }));
    const viaOld = caller(old.url);
    for (let i = 0; i < 3; i++) expect(await viaOld()).toBe('é中');
    expect(old.state).toEqual({ connections: 3, requests: 3 });
    const toEnd = await serveBytes(() => ({ bytes: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n${json}`, close: true }), 4);
    expect(await caller(toEnd.url)()).toBe('é中');
  });

  it('fails bytes that are not HTTP, a bad chunk size and a negative length as connection errors a retry may cure', async () => {
    for (const bytes of [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    ]) {
      const server = await serveBytes(() => ({ bytes, close: true }));
      const error = await rejection(endpoint(server.url).create(request));
      expect(error, bytes).toBeInstanceOf(APIConnectionError);
      expect(classifyFailure(error, 0), bytes).toMatchObject({ status: 0, reason: 'connection' });
    }
  });
});
