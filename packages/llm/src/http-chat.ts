// A lean chat-completions call: JSON body in, parsed JSON out, over an undici keep-alive Pool per
// endpoint (http: and https:). undici, Node's own HTTP engine, does the protocol (framing, chunked
// coding, keep-alive, connection reuse); this module only sends one POST through
// `Pool.dispatch` with a small handler that gathers the body, which skips the openai SDK's
// per-request work (headers, fetch, web streams, Response objects) that cost more CPU than the rest
// of the pipeline's LLM path at thousands of calls/s. Failures are thrown as the SDK's own error
// classes, with the SDK's messages, so retry classification (retry.ts) and error texts stay the same.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { Pool, type Dispatcher } from 'undici';

/** The OpenAI API when no base URL is configured (as the SDK does). */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface ChatEndpointOptions {
  /** Base URL ending before `/chat/completions`, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  apiKey: string;
  /** Whole-request timeout (wait for a connection, connect, send, wait, read), in ms. */
  timeoutMs: number;
  /** Connections kept open to the endpoint; further requests queue in the pool. */
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
  stop?: string | string[];
  seed?: number;
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
  /**
   * POST one request; resolves with the HTTP status and the parsed body of a 2xx answer. When
   * `signal` aborts first, the request is aborted on its connection (or never sent) and the call
   * rejects with the signal's reason, as it does with a timeout.
   */
  create(request: ChatRequest, signal?: AbortSignal): Promise<{ status: number; data: ChatResponse }>;
  /** Close the endpoint's connections once the requests in flight are answered. */
  close(): Promise<void>;
}

type ResponseHeaders = Record<string, string | string[] | undefined>;

function toHeaders(raw: ResponseHeaders): Headers {
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
function statusError(status: number, text: string, raw: ResponseHeaders): APIError {
  const json = safeJson(text) as Record<string, unknown> | undefined;
  return APIError.generate(status, json, json ? undefined : text, toHeaders(raw));
}

/** What came back, before interpretation. */
interface RawAnswer {
  status: number;
  text: string;
  headers: ResponseHeaders;
}

/** undici's own timeouts (connect, headers, body) are timeouts to the caller too. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The SDK's error for a request that got no complete answer. */
function connectionError(error: Error): Error {
  if (TIMEOUT_CODES.has((error as { code?: string }).code ?? '')) return new APIConnectionTimeoutError();
  return new APIConnectionError({ message: undefined, cause: error });
}

/**
 * One POST through the pool. A timer bounds the whole request; when it fires, or `signal` aborts,
 * the request is aborted (at once if it is on a connection, else as soon as the pool starts it).
 */
function post(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; body: string; timeoutMs: number; signal: AbortSignal | undefined },
): Promise<RawAnswer> {
  const { path, headers, body, timeoutMs, signal } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let responseHeaders: ResponseHeaders = {};
    const chunks: Buffer[] = [];
    const settle = (error: Error | undefined, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(answer as RawAnswer);
    };
    const abort = (error: Error) => {
      settle(error);
      if (controller && !controller.aborted) controller.abort(error);
    };
    const timer = setTimeout(() => abort(new APIConnectionTimeoutError()), timeoutMs);
    const onAbort = () => abort(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new APIConnectionTimeoutError());
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        responseHeaders = h;
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
        settle(undefined, { status, text, headers: responseHeaders });
      },
      onResponseError(_c, error) {
        settle(connectionError(error));
      },
    };
    try {
      pool.dispatch({ path, method: 'POST', headers, body }, handler);
    } catch (error) {
      settle(connectionError(error as Error));
    }
  });
}

/** One OpenAI-compatible endpoint with its own keep-alive connections. */
export function createChatEndpoint(options: ChatEndpointOptions): ChatEndpoint {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl.slice(0, -1) : options.baseUrl;
  const target = new URL(`${base}/chat/completions`);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`LLM base URL ${options.baseUrl} is neither http: nor https:`);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${options.apiKey}`,
    'user-agent': 'evolflow',
    ...options.headers,
  };
  // A broken header is a configuration mistake: say so once, here, rather than fail every request.
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`request header ${name} holds a line break`);
  }
  // The whole-request timer in post() bounds every phase; undici's per-phase timers are not needed.
  const pool = new Pool(target.origin, { connections: options.maxSockets, headersTimeout: 0, bodyTimeout: 0 });
  const path = `${target.pathname}${target.search}`;

  const create = async (request: ChatRequest, signal?: AbortSignal): Promise<{ status: number; data: ChatResponse }> => {
    const {
      status,
      text,
      headers: answered,
    } = await post(pool, { path, headers, body: JSON.stringify(request), timeoutMs: options.timeoutMs, signal });
    if (status < 200 || status > 299) throw statusError(status, text, answered);
    const data = safeJson(text) as ChatResponse | undefined;
    if (typeof data !== 'object' || data === null || !Array.isArray(data.choices)) {
      throw new Error(`${target.href} answered ${status} with a body that is not a chat completion: ${text.slice(0, 200)}`);
    }
    return { status, data };
  };
  return { url: options.baseUrl, create, close: () => pool.close() };
}
