// A lean chat-completions call: JSON body in, parsed JSON out, over keep-alive connections (the
// small HTTP/1.1 pool in http1.ts for http:, node:https for https:). At high request rates the openai SDK's per-request work (header building, fetch, web
// streams, Response objects) cost more CPU than the rest of the pipeline's LLM path together
// (bench/pipeline.ts profiles). Failures are thrown as the SDK's own error classes, with the SDK's
// messages, so retry classification (retry.ts) and error texts stay what they were.
import http from 'node:http';
import https from 'node:https';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { createHttp1Pool, Http1Error } from './http1.ts';

/** The OpenAI API when no base URL is configured (as the SDK does). */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface ChatEndpointOptions {
  /** Base URL ending before `/chat/completions`, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey: string;
  /** Whole-request timeout (connect, send, wait, read), in ms. */
  timeoutMs: number;
  /** Sockets kept per host. */
  maxSockets: number;
  /** Extra request headers (organization, project). */
  headers?: Record<string, string>;
}

/** The body of a chat-completions request evolflow sends. */
export interface ChatRequest {
  model: string;
  messages: readonly { role: string; content: string }[];
  temperature: number;
  max_tokens: number;
}

/** The parts of a chat-completions answer the client reads. */
export interface ChatResponse {
  id: string;
  choices: { message?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export interface ChatEndpoint {
  /** The base URL as configured, for messages. */
  readonly url: string;
  /** POST one request; resolves with the HTTP status and the parsed body of a 2xx answer. */
  create(request: ChatRequest): Promise<{ status: number; data: ChatResponse }>;
}

function toHeaders(raw: http.IncomingHttpHeaders | Record<string, string>): Headers {
  const out = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) out.append(key, v);
    else if (value !== undefined) out.set(key, value);
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The error the SDK would throw for a non-2xx answer. */
function statusError(status: number, text: string, raw: http.IncomingHttpHeaders | Record<string, string>): APIError {
  const json = safeJson(text) as Record<string, unknown> | undefined;
  return APIError.generate(status, json, json ? undefined : text, toHeaders(raw));
}

/** What came back, before interpretation. */
interface RawAnswer {
  status: number;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** POST over node:http(s) with a keep-alive agent (TLS endpoints). */
function nodeSender(target: URL, options: ChatEndpointOptions, fixed: Record<string, string>): (body: string) => Promise<RawAnswer> {
  const secure = target.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }) : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const send = secure ? https.request : http.request;
  // Plain options, parsed once: a URL per request would be converted again on every call.
  const where = { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path: `${target.pathname}${target.search}` };
  // Idle keep-alive sockets are unref'd by the agent, so they never hold the process open.
  return (body) => new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = send({ ...where, method: 'POST', agent, headers: { ...fixed, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => fail(new APIConnectionError({ message: undefined, cause: error })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, headers: res.headers });
      });
    });
    const timer = setTimeout(() => fail(new APIConnectionTimeoutError()), options.timeoutMs);
    req.on('error', (error) => fail(new APIConnectionError({ message: undefined, cause: error })));
    req.end(body);
  });
}

/** POST over the lean HTTP/1.1 pool (plain-http endpoints). */
function poolSender(target: URL, options: ChatEndpointOptions, fixed: Record<string, string>): (body: string) => Promise<RawAnswer> {
  const headerLines = Object.entries(fixed).map(([name, value]) => {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`request header ${name} holds a line break`);
    return `${name}: ${value}\r\n`;
  }).join('');
  const pool = createHttp1Pool({ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 80), maxSockets: options.maxSockets, headerLines });
  const path = `${target.pathname}${target.search}`;
  return async (body) => {
    try {
      const res = await pool.post(path, body, options.timeoutMs);
      return { status: res.status, text: res.body.toString('utf8'), headers: res.headers };
    } catch (error) {
      if (error instanceof Http1Error && error.kind === 'timeout') throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ message: undefined, cause: error as Error });
    }
  };
}

/** One OpenAI-compatible endpoint with its own keep-alive connections. */
export function createChatEndpoint(options: ChatEndpointOptions): ChatEndpoint {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl.slice(0, -1) : options.baseUrl;
  const target = new URL(`${base}/chat/completions`);
  const fixed: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${options.apiKey}`,
    'user-agent': 'evolflow',
    ...options.headers,
  };
  const post = target.protocol === 'http:' ? poolSender(target, options, fixed) : nodeSender(target, options, fixed);

  const create = async (request: ChatRequest): Promise<{ status: number; data: ChatResponse }> => {
    const { status, text, headers } = await post(JSON.stringify(request));
    if (status < 200 || status > 299) throw statusError(status, text, headers);
    const data = safeJson(text) as ChatResponse | undefined;
    if (typeof data !== 'object' || data === null || !Array.isArray(data.choices)) {
      throw new Error(`${target.href} answered ${status} with a body that is not a chat completion: ${text.slice(0, 200)}`);
    }
    return { status, data };
  };
  return { url: options.baseUrl, create };
}
