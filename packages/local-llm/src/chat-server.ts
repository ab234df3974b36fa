// The OpenAI chat-completions API (POST /v1/chat/completions, GET /v1/models) on node:http, in front
// of any backend that turns one request into one answer: the real model, or a replay of recorded
// exchanges. Requests are parsed and checked here, so backends see only well-formed ones.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One chat request as the backends see it (OpenAI names mapped to ours, defaults filled in). */
export interface ChatRequest {
  model: string;
  messages: ChatTurn[];
  temperature: number;
  maxTokens: number;
  /** Stop sequences (OpenAI `stop`, at most 4); the answer ends before the first one. */
  stop: string[];
  /** Sampling seed; absent = derived from the request, so the same request gets the same answer. */
  seed?: number;
  /** OpenAI `response_format`: any JSON, or JSON matching a schema (structured outputs). */
  responseFormat?: { type: 'json_object' } | { type: 'json_schema'; schema: Record<string, unknown> };
}

export interface ChatAnswer {
  text: string;
  /** `length` when the answer was cut at maxTokens. */
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

/** Turns one request into one answer; may throw a `BackendError` for a client-visible failure. */
export type ChatBackend = (request: ChatRequest) => Promise<ChatAnswer>;

/** A failure the client should see with this HTTP status (the OpenAI error shape). */
export class BackendError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'BackendError';
    this.status = status;
  }
}

/** The parts of a request that decide its answer, in a fixed order (the key of record and replay). */
export function requestKey(request: ChatRequest): string {
  const canonical = JSON.stringify([
    request.messages.map((m) => [m.role, m.content]),
    request.temperature,
    request.maxTokens,
    request.stop,
    request.seed ?? null,
    ...(request.responseFormat ? [request.responseFormat] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

const MAX_BODY = 4 << 20;

function parseRequest(body: unknown, defaultMaxTokens: number): ChatRequest {
  if (typeof body !== 'object' || body === null) throw new BackendError(400, 'the request body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new BackendError(400, '`messages` must be a non-empty array');
  const messages = b.messages.map((m: unknown, i: number): ChatTurn => {
    const t = m as Record<string, unknown> | null;
    const role = t?.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant')
      throw new BackendError(400, `messages[${i}].role must be system, user or assistant`);
    if (typeof t?.content !== 'string') throw new BackendError(400, `messages[${i}].content must be a string`);
    return { role, content: t.content };
  });
  const num = (name: string, fallback: number, [min, max]: readonly [number, number]): number => {
    const v = b[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      throw new BackendError(400, `\`${name}\` must be a number from ${min} to ${max}`);
    return v;
  };
  let stop: string[] = [];
  if (typeof b.stop === 'string') stop = [b.stop];
  else if (Array.isArray(b.stop)) {
    if (b.stop.length > 4 || !b.stop.every((s) => typeof s === 'string' && s !== ''))
      throw new BackendError(400, '`stop` must be a string or at most 4 non-empty strings');
    stop = b.stop as string[];
  } else if (b.stop !== undefined && b.stop !== null) throw new BackendError(400, '`stop` must be a string or an array of strings');
  const request: ChatRequest = {
    model: typeof b.model === 'string' ? b.model : '',
    messages,
    temperature: num('temperature', 1, [0, 2]),
    maxTokens: Math.floor(num('max_tokens', num('max_completion_tokens', defaultMaxTokens, [1, 1 << 20]), [1, 1 << 20])),
    stop,
  };
  if (b.seed !== undefined && b.seed !== null) request.seed = Math.floor(num('seed', 0, [-(2 ** 53), 2 ** 53]));
  const format = b.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined | null;
  if (format && format.type !== 'text') {
    if (format.type === 'json_object') request.responseFormat = { type: 'json_object' };
    else if (format.type === 'json_schema' && typeof format.json_schema?.schema === 'object' && format.json_schema.schema !== null) {
      request.responseFormat = { type: 'json_schema', schema: format.json_schema.schema as Record<string, unknown> };
    } else
      throw new BackendError(
        400,
        '`response_format` must be {"type": "text"}, {"type": "json_object"} or {"type": "json_schema", "json_schema": {"schema": {...}}}',
      );
  }
  return request;
}

export interface ChatServerOptions {
  backend: ChatBackend;
  /** The name /v1/models lists and answers carry. */
  modelName: string;
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** max_tokens when a request gives none (default 512). */
  defaultMaxTokens?: number;
}

export interface RunningChatServer {
  /** Base URL including /v1, e.g. http://127.0.0.1:43123/v1 */
  url: string;
  port: number;
  /** Completions answered and failed so far. */
  stats(): { completions: number; failures: number };
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

const errorBody = (status: number, message: string) => ({
  error: {
    message,
    type: status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : 'server_error',
    param: null,
    code: null,
  },
});

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BackendError(413, `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BackendError(400, 'the request body is not valid JSON');
  }
}

/** Serve `backend` over the OpenAI chat API on 127.0.0.1 (by default). */
export async function startChatServer(options: ChatServerOptions): Promise<RunningChatServer> {
  let completions = 0;
  let failures = 0;
  let next = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      send(res, 200, { object: 'list', data: [{ id: options.modelName, object: 'model', created: 0, owned_by: 'evolflow-local' }] });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, 404, errorBody(404, `no route ${req.method} ${path}`));
      return;
    }
    void (async () => {
      try {
        const request = parseRequest(await readBody(req), options.defaultMaxTokens ?? 512);
        const answer = await options.backend(request);
        completions++;
        send(res, 200, {
          id: `chatcmpl-local-${++next}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: options.modelName,
          choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, logprobs: null, finish_reason: answer.finishReason }],
          usage: {
            prompt_tokens: answer.promptTokens,
            completion_tokens: answer.completionTokens,
            total_tokens: answer.promptTokens + answer.completionTokens,
          },
        });
      } catch (err) {
        failures++;
        const status = err instanceof BackendError ? err.status : 500;
        if (!res.headersSent) send(res, status, errorBody(status, (err as Error).message));
      }
    })();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/v1`,
    port,
    stats: () => ({ completions, failures }),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
