// The simulator's HTTP server (node:http): the OpenAI chat-completions API plus /sim endpoints to
// read faults and stats and to inject transport faults from another process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EvolflowError } from '@evolflow/core';
import { hash53, unit } from './hash.ts';
import { createBrain, type SimRole } from './brain.ts';
import { ALL_FAULTS, TRANSPORT_FAULTS, type FaultKind, type FaultRecord, type TransportFaultKind } from './faults.ts';

export interface SimulatorOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7. */
  seed?: number;
  /** Fixed latency per completion (default 0). */
  latencyMs?: number;
  /** Plus a uniform jitter in [0, jitter), deterministic per request content. */
  latencyJitterMs?: number;
  /** Probability of each enabled fault kind applying to an eligible request (default 0). */
  faultRate?: number;
  /** Enabled fault kinds (default: all content and transport kinds). */
  faults?: FaultKind[];
  /** Per strategy: probability that an evolution of that strategy is faulty (kind chosen among the enabled evolver content faults that apply). */
  strategyFaultRates?: Record<string, number>;
  /**
   * Probability of a broken answer to a coding or math task the simulator recognises (default 0): code that
   * does not parse, raises, fails its tests or never ends; a wrong final answer to a math problem (decided
   * anew on each occurrence of the same request, as sampling would). Only the enabled kinds (`faults`).
   */
  answerFaultRate?: number;
  /** How long a 'stall' holds the response (default 120000, or until the client disconnects). */
  stallMs?: number;
  /**
   * Whether requests may carry `stop` (default true: honoured as OpenAI does). False answers them 400
   * `unsupported_parameter` naming `stop`, as some endpoints do, so clients can be tested against that.
   */
  acceptsStop?: boolean;
}

export interface InjectRule {
  kind: TransportFaultKind;
  count: number;
  retryAfterSeconds?: number;
}

export interface SimulatorStats {
  requests: number;
  completions: number;
  inFlight: number;
  maxInFlight: number;
  byStatus: Record<string, number>;
  log: { at: number; status: number; role: string; requestId: string }[];
}

export interface RunningSimulator {
  /** Base URL including /v1, e.g. http://127.0.0.1:43123/v1 */
  url: string;
  port: number;
  /** Every injected fault so far. */
  faults(): FaultRecord[];
  stats(): SimulatorStats;
  /** The next `count` completion requests get this transport fault (for client tests). */
  inject(rule: InjectRule): void;
  close(): Promise<void>;
}

const LOG_CAP = 100_000;
const CREATED = 1_700_000_000;

function checkOptions(o: SimulatorOptions): void {
  const bad = (path: string, what: string) => new EvolflowError('config', `simulator option ${path}: ${what}`, { details: { path } });
  if (o.faultRate !== undefined && !(o.faultRate >= 0 && o.faultRate <= 1))
    throw bad('faultRate', `must be within [0, 1], not ${o.faultRate}`);
  if (o.answerFaultRate !== undefined && !(o.answerFaultRate >= 0 && o.answerFaultRate <= 1))
    throw bad('answerFaultRate', `must be within [0, 1], not ${o.answerFaultRate}`);
  for (const k of o.faults ?? [])
    if (!ALL_FAULTS.includes(k)) throw bad('faults', `unknown fault kind "${k}"; known: ${ALL_FAULTS.join(', ')}`);
  for (const [s, p] of Object.entries(o.strategyFaultRates ?? {}))
    if (!(p >= 0 && p <= 1)) throw bad(`strategyFaultRates.${s}`, `must be within [0, 1], not ${p}`);
  for (const key of ['latencyMs', 'latencyJitterMs', 'stallMs'] as const) {
    const v = o[key];
    if (v !== undefined && !(v >= 0)) throw bad(key, `must be a number >= 0, not ${v}`);
  }
}

function checkRule(rule: InjectRule): void {
  if (!TRANSPORT_FAULTS.includes(rule.kind) || !Number.isInteger(rule.count) || rule.count < 0) {
    throw new EvolflowError(
      'input',
      `simulator inject: needs { kind: ${TRANSPORT_FAULTS.join(' | ')}, count: integer >= 0 }, got ${JSON.stringify(rule)}`,
    );
  }
}

const hex = (n: number) => n.toString(16).padStart(14, '0');
const tokens = (chars: number) => Math.ceil(chars / 4);

/** `body` as JSON with `reply.status` and any extra `reply.headers`. */
function sendJson(
  res: ServerResponse,
  { status, headers = {} }: { status: number; headers?: Record<string, string> },
  body: unknown,
): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

/** An OpenAI-style error body: `{ error: { message, type, param, code } }`. */
const errorBody = (message: string, { type, code, param = null }: { type: string; code: string | null; param?: string | null }) => ({
  error: { message, type, param, code },
});

/** The request's stop sequences (OpenAI: a string or up to 4 strings), or an error message. */
export function stopSequences(stop: unknown): string[] | { error: string } {
  if (stop === undefined || stop === null) return [];
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === ''))
    return { error: "'stop' must be a non-empty string or an array of non-empty strings" };
  if (list.length > 4) return { error: `'stop' holds ${list.length} sequences; at most 4 are allowed` };
  return list as string[];
}

/** `text` cut before the first occurrence of any stop sequence (the sequence itself is not returned), and whether it was cut. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? { text, stopped: false } : { text: text.slice(0, at), stopped: true };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function messageText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) =>
        typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '',
      )
      .join('');
  return undefined;
}

/** Start a simulator; resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  checkOptions(options);
  const seed = options.seed ?? 7;
  const faultRate = options.faultRate ?? 0;
  const latencyMs = options.latencyMs ?? 0;
  const jitterMs = options.latencyJitterMs ?? 0;
  const stallMs = options.stallMs ?? 120_000;
  const acceptsStop = options.acceptsStop ?? true;
  const enabled = new Set<FaultKind>(options.faults ?? ALL_FAULTS);
  const transportOn = TRANSPORT_FAULTS.filter((k) => enabled.has(k));
  const brain = createBrain({
    seed,
    faultRate,
    enabled,
    strategyFaultRates: options.strategyFaultRates ?? {},
    answerFaultRate: options.answerFaultRate ?? 0,
  });

  const faultLog: FaultRecord[] = [];
  const injected: InjectRule[] = [];
  const occurrences = new Map<number, number>();
  const pending = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  const stats = {
    requests: 0,
    completions: 0,
    inFlight: 0,
    maxInFlight: 0,
    byStatus: {} as Record<string, number>,
    log: [] as SimulatorStats['log'],
  };

  const record = (status: number, role: SimRole | 'unknown', requestId: string) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    if (stats.log.length >= LOG_CAP) stats.log.splice(0, LOG_CAP / 10);
    stats.log.push({ at: Date.now(), status, role, requestId });
  };

  function nextTransportFault(key: number, occurrence: number): { kind: TransportFaultKind; retryAfter: number } | undefined {
    const rule = injected[0];
    if (rule) {
      rule.count--;
      if (rule.count <= 0) injected.shift();
      return { kind: rule.kind, retryAfter: rule.retryAfterSeconds ?? 1 };
    }
    if (faultRate <= 0) return undefined;
    const kind = transportOn.find((k) => unit(seed, k, key, occurrence) < faultRate);
    return kind === undefined ? undefined : { kind, retryAfter: 1 };
  }

  /** Hold `send` for `ms` (or forever-ish for a stall), unless the client goes away first. */
  function later(res: ServerResponse, ms: number, send: () => void): void {
    const entry = {
      res,
      timer: setTimeout(() => {
        pending.delete(entry);
        if (!res.destroyed) send();
      }, ms),
    };
    pending.add(entry);
    res.once('close', () => {
      clearTimeout(entry.timer);
      pending.delete(entry);
    });
  }

  async function completion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.once('close', () => {
      stats.inFlight--;
    });
    let body: {
      messages?: unknown;
      model?: unknown;
      stream?: unknown;
      max_tokens?: unknown;
      max_completion_tokens?: unknown;
      stop?: unknown;
    };
    try {
      body = JSON.parse(await readBody(req)) as typeof body;
    } catch {
      record(400, 'unknown', '');
      return sendJson(
        res,
        { status: 400 },
        errorBody('request body is not valid JSON', { type: 'invalid_request_error', code: 'invalid_json' }),
      );
    }
    const msgs = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
    const texts = msgs.map((m) => messageText(m?.content));
    if (msgs.length === 0 || texts.some((t) => t === undefined) || body.stream === true) {
      record(400, 'unknown', '');
      const why =
        body.stream === true
          ? 'streaming is not supported by the simulator; send stream: false'
          : '"messages" must be a non-empty array of { role, content: string }';
      return sendJson(res, { status: 400 }, errorBody(why, { type: 'invalid_request_error', code: null }));
    }
    const stops = stopSequences(body.stop);
    if (!Array.isArray(stops) || (stops.length > 0 && !acceptsStop)) {
      record(400, 'unknown', '');
      const why = Array.isArray(stops) ? "Unsupported parameter: 'stop' is not supported by this endpoint (simulated)." : stops.error;
      return sendJson(
        res,
        { status: 400 },
        errorBody(why, {
          type: 'invalid_request_error',
          code: Array.isArray(stops) ? 'unsupported_parameter' : 'invalid_value',
          param: 'stop',
        }),
      );
    }
    const content = msgs.map((m, i) => `${String(m.role)}\u0002${texts[i] as string}`).join('\u0003');
    const key = hash53(content, seed);
    const occurrence = occurrences.get(key) ?? 0;
    if (occurrences.size >= 1_000_000) occurrences.clear(); // bounded memory on endless runs
    occurrences.set(key, occurrence + 1);
    const requestId = `req-sim-${hex(hash53(`${key}:${occurrence}`, seed + 1))}`;
    const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
    const answer = brain.answer(messageText(lastUser?.content) ?? (texts[texts.length - 1] as string), { key, occurrence });
    const role = answer.recognised.role;
    const headers = { 'x-request-id': requestId };

    const transport = nextTransportFault(key, occurrence);
    if (transport) {
      faultLog.push({
        requestId,
        kind: transport.kind,
        role,
        ...(answer.recognised.strategy ? { strategy: answer.recognised.strategy } : {}),
      });
      if (transport.kind === 'rate-limit') {
        record(429, role, requestId);
        return sendJson(
          res,
          { status: 429, headers: { ...headers, 'retry-after': String(transport.retryAfter) } },
          errorBody(`Rate limit reached (simulated); retry after ${transport.retryAfter} s`, {
            type: 'requests',
            code: 'rate_limit_exceeded',
          }),
        );
      }
      if (transport.kind === 'server-error') {
        record(500, role, requestId);
        return sendJson(
          res,
          { status: 500, headers },
          errorBody('The server had an error while processing your request (simulated)', { type: 'server_error', code: null }),
        );
      }
    }

    // An answer that varies by occurrence (a math sample asked again) gets its own id from the second time on.
    const id = `chatcmpl-sim-${hex(key)}${hex(hash53(content, seed + 2)).slice(0, 10)}${answer.varies && occurrence > 0 ? `-${occurrence}` : ''}`;
    if (answer.fault) {
      const { strategy, format } = answer.recognised;
      faultLog.push({
        requestId: id,
        kind: answer.fault,
        role,
        ...(strategy ? { strategy } : {}),
        ...(format ? { format } : {}),
        output: answer.text,
      });
    }
    const maxTokens =
      typeof body.max_completion_tokens === 'number'
        ? body.max_completion_tokens
        : typeof body.max_tokens === 'number'
          ? body.max_tokens
          : Infinity;
    // As OpenAI: the answer ends before the first stop sequence, or at max_tokens, whichever comes first.
    const stopped = cutAtStop(answer.text, stops).text;
    const truncated = tokens(stopped.length) > maxTokens;
    const text = truncated ? stopped.slice(0, maxTokens * 4) : stopped;
    const promptChars = texts.reduce((n, t) => n + (t as string).length, 0);
    const send = () => {
      stats.completions++;
      record(200, role, requestId);
      sendJson(
        res,
        { status: 200, headers },
        {
          id,
          object: 'chat.completion',
          created: CREATED,
          model: typeof body.model === 'string' ? body.model : 'evolflow-sim',
          system_fingerprint: 'evolflow-sim',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: text, refusal: null },
              logprobs: null,
              finish_reason: truncated ? 'length' : 'stop',
            },
          ],
          usage: {
            prompt_tokens: tokens(promptChars),
            completion_tokens: tokens(text.length),
            total_tokens: tokens(promptChars) + tokens(text.length),
          },
        },
      );
    };
    if (transport?.kind === 'stall') return later(res, stallMs, send);
    const delay = latencyMs + (jitterMs > 0 ? Math.floor(unit(seed, 'jitter', key) * jitterMs) : 0);
    if (delay > 0) return later(res, delay, send);
    send();
  }

  async function sim(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/sim/faults') return sendJson(res, { status: 200 }, faultLog);
    if (req.method === 'GET' && path === '/sim/stats') return sendJson(res, { status: 200 }, snapshot());
    if (req.method === 'POST' && path === '/sim/inject') {
      try {
        api.inject(JSON.parse(await readBody(req)) as InjectRule);
        return sendJson(res, { status: 200 }, { ok: true });
      } catch (err) {
        return sendJson(res, { status: 400 }, errorBody((err as Error).message, { type: 'invalid_request_error', code: null }));
      }
    }
    sendJson(res, { status: 404 }, errorBody(`no route ${req.method} ${path}`, { type: 'invalid_request_error', code: 'not_found' }));
  }

  const server = createServer((req, res) => {
    stats.requests++;
    const path = (req.url ?? '/').split('?')[0] as string;
    const done = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, { status: 500 }, errorBody(String(err), { type: 'server_error', code: null }));
      });
    if (req.method === 'POST' && path === '/v1/chat/completions') return void done(completion(req, res));
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(
        res,
        { status: 200 },
        { object: 'list', data: [{ id: 'evolflow-sim', object: 'model', created: CREATED, owned_by: 'evolflow' }] },
      );
    }
    void done(sim(req, res, path));
  });
  server.keepAliveTimeout = 30_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  function snapshot(): SimulatorStats {
    return { ...stats, byStatus: { ...stats.byStatus }, log: stats.log.slice() };
  }

  const api: RunningSimulator = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    faults: () => faultLog.slice(),
    stats: snapshot,
    inject(rule) {
      checkRule(rule);
      if (rule.count > 0) injected.push({ ...rule });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pending) {
          clearTimeout(p.timer);
          p.res.destroy();
        }
        pending.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}
