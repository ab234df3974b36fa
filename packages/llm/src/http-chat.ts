// A lean chat-completions call over node:http(s) with keep-alive agents: JSON body in, parsed JSON
// out. At high request rates the openai SDK's per-request work (header building, fetch, web
// streams, Response objects) cost more CPU than the rest of the pipeline's LLM path together
// (bench/pipeline.ts profiles). Failures are thrown as the SDK's own error classes, with the SDK's
// messages, so retry classification (retry.ts) and error texts stay what they were.
import http from 'node:http';
import https from 'node:https';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

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

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
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
function statusError(status: number, text: string, raw: http.IncomingHttpHeaders): APIError {
  const json = safeJson(text) as Record<string, unknown> | undefined;
  return APIError.generate(status, json, json ? undefined : text, toHeaders(raw));
}

/** One OpenAI-compatible endpoint with its own keep-alive agent. */
export function createChatEndpoint(options: ChatEndpointOptions): ChatEndpoint {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl.slice(0, -1) : options.baseUrl;
  const target = new URL(`${base}/chat/completions`);
  const secure = target.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }) : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const send = secure ? https.request : http.request;
  // Plain options, parsed once: a URL per request would be converted again on every call.
  const where = { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path: `${target.pathname}${target.search}`,
    ...(target.username ? { auth: `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}` } : {}) };
  const fixed = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${options.apiKey}`,
    'user-agent': 'evolflow',
    ...options.headers,
  };

  const create = (request: ChatRequest): Promise<{ status: number; data: ChatResponse }> => new Promise((resolve, reject) => {
    const body = JSON.stringify(request);
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
        const status = res.statusCode ?? 0;
        const text = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
        if (status < 200 || status > 299) {
          reject(statusError(status, text, res.headers));
          return;
        }
        const data = safeJson(text) as ChatResponse | undefined;
        if (typeof data !== 'object' || data === null || !Array.isArray(data.choices)) {
          reject(new Error(`${target.href} answered ${status} with a body that is not a chat completion: ${text.slice(0, 200)}`));
          return;
        }
        resolve({ status, data });
      });
    });
    const timer = setTimeout(() => fail(new APIConnectionTimeoutError()), options.timeoutMs);
    req.on('error', (error) => fail(new APIConnectionError({ message: undefined, cause: error })));
    req.end(body);
  });

  // Idle keep-alive sockets are unref'd by the agent, so they never hold the process open.
  return { url: options.baseUrl, create };
}
