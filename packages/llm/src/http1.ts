// A minimal HTTP/1.1 client for plain-http endpoints (local vLLM, Ollama, llama.cpp, the
// simulator): keep-alive sockets from a pool, one request per socket at a time, the request written
// in one call, the response framed by Content-Length, chunked transfer coding, or the end of the
// connection. It skips node:http's per-request objects and streams, which cost about twice this
// client's CPU per call at thousands of calls/s (bench/pipeline.ts). TLS endpoints use node:https.
import net from 'node:net';

/** A complete response. Header names are lower case; repeated headers are joined with ", ". */
export interface Http1Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Why a request got no complete response. */
export class Http1Error extends Error {
  constructor(readonly kind: 'timeout' | 'connection', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Http1Error';
  }
}

export interface Http1PoolOptions {
  host: string;
  port: number;
  /** Sockets open at once; further requests wait for one to be free. */
  maxSockets: number;
  /** Header lines sent with every request, each ending in \r\n (Host and Content-Length are added). */
  headerLines: string;
}

interface Pending {
  path: string;
  body: string;
  timeoutMs: number;
  resolve(response: Http1Response): void;
  reject(error: Error): void;
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Parse a response head (status line and headers, without the blank line). */
function parseHead(text: string): { status: number; version: string; headers: Record<string, string> } | undefined {
  const lines = text.split('\r\n');
  const match = /^HTTP\/(\d\.\d) (\d{3})/.exec(lines[0] ?? '');
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[2]), version: match[1] as string, headers };
}

/**
 * Incremental response reader for one request: feed it bytes, it says when the response is
 * complete (and how many bytes belonged to it) or that the bytes are not HTTP.
 */
export function createResponseReader() {
  let buf: Buffer = Buffer.alloc(0);
  let head: ReturnType<typeof parseHead> = undefined;
  let mode: 'head' | 'length' | 'chunked' | 'close' = 'head';
  let remaining = 0;
  const chunks: Buffer[] = [];
  const done = (body: Buffer, reusable: boolean): { response: Http1Response; reusable: boolean } => ({ response: { status: head?.status ?? 0, headers: head?.headers ?? {}, body }, reusable });
  const keepAlive = () => {
    const connection = (head?.headers.connection ?? '').toLowerCase();
    return head?.version === '1.1' ? !connection.includes('close') : connection.includes('keep-alive');
  };

  return {
    /** Returns the response once complete, `undefined` while more bytes are needed; throws on bytes that are not HTTP. */
    push(data: Buffer): { response: Http1Response; reusable: boolean } | undefined {
      buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
      for (;;) {
        if (mode === 'head') {
          const end = buf.indexOf(HEAD_END);
          if (end < 0) {
            if (buf.length > 65_536) throw new Error('response head larger than 64 KiB');
            return undefined;
          }
          head = parseHead(buf.toString('latin1', 0, end));
          if (!head) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(buf.toString('latin1', 0, Math.min(end, 80)))}`);
          buf = buf.subarray(end + 4);
          if (head.status >= 100 && head.status < 200) continue; // 100 Continue and friends: the real answer follows
          const coding = (head.headers['transfer-encoding'] ?? '').toLowerCase();
          const length = head.headers['content-length'];
          if (coding.includes('chunked')) mode = 'chunked';
          else if (length !== undefined) {
            remaining = Number(length);
            if (!Number.isSafeInteger(remaining) || remaining < 0) throw new Error(`bad content-length ${JSON.stringify(length)}`);
            mode = 'length';
          } else if (head.status === 204 || head.status === 304) return done(Buffer.alloc(0), keepAlive() && buf.length === 0);
          else mode = 'close';
        }
        if (mode === 'length') {
          if (buf.length < remaining) return undefined;
          const body = buf.subarray(0, remaining);
          return done(body, keepAlive() && buf.length === remaining);
        }
        if (mode === 'close') return undefined; // complete at end of connection (see end())
        // chunked
        const lineEnd = buf.indexOf(CRLF);
        if (lineEnd < 0) return undefined;
        const sizeText = buf.toString('latin1', 0, lineEnd).split(';')[0]?.trim() ?? '';
        const size = Number.parseInt(sizeText, 16);
        if (!/^[0-9a-fA-F]+$/.test(sizeText) || !Number.isSafeInteger(size)) throw new Error(`bad chunk size ${JSON.stringify(sizeText)}`);
        if (size === 0) {
          // Trailers (usually none) end with an empty line.
          const trailerEnd = buf.indexOf(CRLF, lineEnd + 2) === lineEnd + 2 ? lineEnd + 4 : buf.indexOf(HEAD_END, lineEnd) + 4;
          if (trailerEnd < 4) return undefined;
          return done(Buffer.concat(chunks), keepAlive() && buf.length === trailerEnd);
        }
        if (buf.length < lineEnd + 2 + size + 2) return undefined;
        chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        buf = buf.subarray(lineEnd + 2 + size + 2);
      }
    },
    /** The connection ended: the response if it was framed by the end of the connection. */
    end(): Http1Response | undefined {
      return mode === 'close' ? done(buf, false).response : undefined;
    },
  };
}

/** A keep-alive socket pool for one host:port. */
export function createHttp1Pool(options: Http1PoolOptions) {
  const hostHeader = `Host: ${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}\r\n`;
  const idle: net.Socket[] = [];
  const queue: Pending[] = [];
  let open = 0;

  const next = () => {
    while (queue.length > 0) {
      const socket = idle.pop();
      if (socket) {
        run(socket, queue.shift() as Pending, true);
        continue;
      }
      if (open >= options.maxSockets) return;
      open++;
      const fresh = net.connect({ host: options.host, port: options.port, noDelay: true });
      fresh.once('close', () => {
        open--;
        const i = idle.indexOf(fresh);
        if (i >= 0) idle.splice(i, 1);
        next();
      });
      // Errors on an idle socket (a reset after the server closed it) only remove it: 'close' follows.
      fresh.on('error', () => undefined);
      run(fresh, queue.shift() as Pending, false);
    }
  };

  const run = (socket: net.Socket, request: Pending, reused: boolean) => {
    socket.ref();
    const reader = createResponseReader();
    let settled = false;
    const finish = (error: Error | undefined, response?: Http1Response, reusable = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (reusable && !socket.destroyed) {
        socket.unref(); // an idle keep-alive socket never holds the process open
        idle.push(socket);
      } else socket.destroy();
      if (error) request.reject(error);
      else request.resolve(response as Http1Response);
      next();
    };
    const onData = (data: Buffer) => {
      let complete: ReturnType<typeof reader.push>;
      try {
        complete = reader.push(data);
      } catch (error) {
        finish(new Http1Error('connection', `bad response from ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error }));
        return;
      }
      if (complete) finish(undefined, complete.response, complete.reusable);
    };
    const onEnd = () => {
      const response = reader.end();
      if (response) finish(undefined, response);
      else finish(new Http1Error('connection', `socket hang up: ${options.host}:${options.port} closed the connection before the response was complete${reused ? ' (a reused keep-alive connection)' : ''}`));
    };
    const onClose = onEnd;
    const onError = (error: Error) => finish(new Http1Error('connection', `${error.message} (${options.host}:${options.port})`, { cause: error }));
    const timer = setTimeout(() => finish(new Http1Error('timeout', `request timed out after ${request.timeoutMs} ms`)), request.timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.write(`POST ${request.path} HTTP/1.1\r\n${hostHeader}${options.headerLines}Content-Length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`);
  };

  return {
    /** POST `body` to `path`; rejects with an Http1Error when no complete response arrives in time. */
    post(path: string, body: string, timeoutMs: number): Promise<Http1Response> {
      return new Promise((resolve, reject) => {
        queue.push({ path, body, timeoutMs, resolve, reject });
        next();
      });
    },
  };
}
