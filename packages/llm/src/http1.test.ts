// The small HTTP/1.1 client: response framing fed byte by byte, and the pool against a raw TCP
// server (keep-alive reuse, connection close, timeouts, refused connections).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp1Pool, createResponseReader, Http1Error } from './http1.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Feed `raw` to a reader in pieces of `step` bytes; returns what it made of it. */
function read(raw: string, step: number) {
  const reader = createResponseReader();
  const bytes = Buffer.from(raw);
  for (let i = 0; i < bytes.length; i += step) {
    const out = reader.push(bytes.subarray(i, i + step));
    if (out) return { status: out.response.status, headers: out.response.headers, body: out.response.body.toString(), reusable: out.reusable, at: i + step };
  }
  const ended = reader.end();
  return ended ? { status: ended.status, headers: ended.headers, body: ended.body.toString(), reusable: false, at: -1 } : undefined;
}

describe('createResponseReader', () => {
  it('frames by Content-Length, whatever the packet boundaries', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nX-Twice: a\r\nx-twice: b\r\n\r\n{"ok":true}';
    for (const step of [1, 7, raw.length]) {
      expect(read(raw, step)).toMatchObject({ status: 200, body: '{"ok":true}', reusable: true, headers: { 'content-type': 'application/json', 'x-twice': 'a, b' } });
    }
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{"a"\r\n9\r\n:"é中"}\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const step of [1, 5, raw.length]) expect(read(raw, step)).toMatchObject({ status: 200, body: '{"a":"é中"}', reusable: true });
    expect(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n', 3)).toMatchObject({ body: 'hi', reusable: true });
  });

  it('skips 100 Continue, honours Connection: close and HTTP/1.0, and reads to the end without a length', () => {
    expect(read('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n', 4)).toMatchObject({ status: 429, headers: { 'retry-after': '2' }, body: '', reusable: true });
    expect(read('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', 100)).toMatchObject({ reusable: false });
    expect(read('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', 100)).toMatchObject({ reusable: false });
    expect(read('HTTP/1.1 200 OK\r\n\r\nuntil the end', 4)).toMatchObject({ status: 200, body: 'until the end', at: -1 });
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', 100)).toMatchObject({ body: 'ok', reusable: false });
  });

  it('throws on bytes that are not HTTP', () => {
    expect(() => createResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP\/1.x response/);
    expect(() => createResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/bad chunk size/);
    expect(() => createResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(/bad content-length/);
  });
});

/** A TCP server answering each request (read up to its blank line plus Content-Length) with `reply(n)`. */
async function rawServer(reply: (n: number) => string | undefined) {
  const state = { requests: [] as string[], connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1'); // one character per byte, so lengths are byte counts
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        state.requests.push(buf.slice(0, end + 4 + length));
        buf = buf.slice(end + 4 + length);
        const answer = reply(state.requests.length);
        if (answer === undefined) continue; // stall
        if (answer === 'DROP') socket.destroy();
        else socket.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, state };
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('createHttp1Pool', () => {
  it('sends one well-formed request per call and reuses a keep-alive connection', async () => {
    const server = await rawServer((n) => ok(`answer ${n}`));
    const pool = createHttp1Pool({ host: '127.0.0.1', port: server.port, maxSockets: 4, headerLines: 'content-type: application/json\r\n' });
    const first = await pool.post('/v1/chat/completions', '{"x":"é"}', 5000);
    const second = await pool.post('/v1/chat/completions', '{}', 5000);
    expect([first.status, first.body.toString(), second.body.toString()]).toEqual([200, 'answer 1', 'answer 2']);
    expect(server.state.connections).toBe(1);
    const sent = Buffer.from(server.state.requests[0] ?? '', 'latin1').toString('utf8');
    expect(sent).toBe(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\ncontent-type: application/json\r\nContent-Length: 10\r\n\r\n{"x":"é"}`);
  });

  it('opens at most maxSockets connections and queues the rest', async () => {
    const server = await rawServer((n) => ok(String(n)));
    const pool = createHttp1Pool({ host: '127.0.0.1', port: server.port, maxSockets: 2, headerLines: '' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => pool.post('/', '', 5000)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(server.state.connections).toBeLessThanOrEqual(2);
  });

  it('does not reuse a connection the server closes, and fails a request whose connection drops', async () => {
    const server = await rawServer((n) => (n === 2 ? 'DROP' : `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n${n}`));
    const pool = createHttp1Pool({ host: '127.0.0.1', port: server.port, maxSockets: 2, headerLines: '' });
    expect((await pool.post('/', '', 5000)).body.toString()).toBe('1');
    const error = await pool.post('/', '', 5000).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Http1Error);
    expect((error as Http1Error).kind).toBe('connection');
    expect((await pool.post('/', '', 5000)).body.toString()).toBe('3');
    expect(server.state.connections).toBe(3);
  });

  it('times out a stalled response and reports a refused connection', async () => {
    const server = await rawServer(() => undefined);
    const pool = createHttp1Pool({ host: '127.0.0.1', port: server.port, maxSockets: 1, headerLines: '' });
    const timeout = await pool.post('/', '', 50).then(() => undefined, (e: unknown) => e);
    expect(timeout).toMatchObject({ kind: 'timeout' });
    const gone = await rawServer(() => ok(''));
    await closers.pop()?.();
    const refused = await createHttp1Pool({ host: '127.0.0.1', port: gone.port, maxSockets: 1, headerLines: '' }).post('/', '', 5000).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'connection' });
  });
});
