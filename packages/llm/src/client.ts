// The OpenAI-compatible LLM client every stage calls: one `complete` that posts chat completions
// over keep-alive HTTP (http-chat.ts; failures surface as the openai SDK's error classes) with a
// concurrency limit, RPM/TPM limits, our own retries with backoff, a persistent
// response cache with single-flight, and usage accounting. A stop cancels its waits and requests.
import { setMaxListeners } from 'node:events';
import {
  EvolflowError,
  redactText,
  redactUrl,
  type ChatMessage,
  type Config,
  type LlmCaller,
  type LlmCompletion,
  type LlmRequestOptions,
  type LlmRole,
  type Logger,
} from '@evolflow/core';
import { cacheKey, openResponseCache, type CachedAnswer, type ResponseCache } from './cache.ts';
import { createRateLimiter, createSemaphore, timerSleep, type Clock } from './limits.ts';
import { backoffDelay, classifyFailure, type AttemptFailure, type RetryReason } from './retry.ts';
import { createUsageMeter, type LlmUsage } from './usage.ts';
import { LlmCancelledError, LlmError, type CancelledDuring, type LlmFailure } from './errors.ts';
import { createChatEndpoint, DEFAULT_BASE_URL, type ChatEndpoint, type ChatRequest } from './http-chat.ts';
import { APIError } from 'openai';

export interface LlmClientOptions {
  config: Readonly<Config['llm']>;
  /** Overrides config.baseUrl (the CLI passes the simulator's URL); a role's own `baseUrl` still wins. */
  baseUrl?: string;
  /** Mixed into every cache key: the CLI passes e.g. `sim:7:0.1` for simulated runs so different simulator settings never share answers. */
  cacheNamespace?: string;
  /**
   * The endpoint as cache keys name it, for roles without their own `baseUrl`; default: its URL. A
   * server the caller started itself (the simulator, a local model) gets a new port every run and is
   * identified by the namespace instead.
   */
  cacheEndpoint?: string;
  logger?: Logger;
  /** Observability hook: one event per request attempt, cache hit, retry and final error. */
  onEvent?(event: LlmEvent): void;
  /**
   * For tests: injectable clock and sleep (they drive rate limits, backoff and latency). A sleep
   * may honour `signal` (end early when it aborts); one that ignores it is not waited for after a
   * cancel.
   */
  now?(): number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  /** For tests: the jitter source, uniform in [0, 1). */
  random?(): number;
}

export type LlmEvent =
  | {
      kind: 'request';
      role: LlmRole;
      model: string;
      latencyMs: number;
      status: number;
      promptTokens: number;
      completionTokens: number;
      recordId?: string;
    }
  | { kind: 'cache-hit'; role: LlmRole; model: string; recordId?: string }
  | {
      kind: 'retry';
      role: LlmRole;
      model: string;
      attempt: number;
      delayMs: number;
      reason: RetryReason;
      status: number;
      retryAfterMs?: number;
      recordId?: string;
    }
  | {
      kind: 'error';
      role: LlmRole;
      model: string;
      status: number;
      reason?: RetryReason;
      retryAfterMs?: number;
      attempts: number;
      error: string;
      recordId?: string;
    };

/** The LLM caller stages get, plus run totals and shutdown. */
export interface LlmClient extends LlmCaller {
  /** Totals for the run: real calls made, cache hits, tokens, per role and overall. */
  usage(): LlmUsage;
  /**
   * The stop, first step (the run's first SIGINT/SIGTERM, --max-cost, fail-fast): every wait on a
   * timer that would end more than `graceMs` from now (a backoff, a Retry-After, the limiter's
   * pause after a 429, an RPM/TPM window) ends at once, and so does every such wait begun later;
   * their calls reject with an `LlmCancelledError` (code `cancelled`). Shorter waits, requests on
   * the wire, calls waiting for a slot and new calls go on. `stoppedBy` names the stop in the
   * errors' messages. Calling it again only lowers the cut-off.
   */
  cancelWaits(stoppedBy: string, graceMs?: number): void;
  /**
   * The stop, last step (the grace period is over): every pending call rejects at once with an
   * `LlmCancelledError`: its wait (retry, rate limit, slot) ends and its request on the wire is
   * aborted; every later `complete` rejects the same way. A cancelled call is not cached and not
   * counted in `usage().errors` (a request it had sent still counts in `calls`). `close` still
   * works after it and returns without waiting for answers.
   */
  cancel(stoppedBy: string): void;
  /** Waits for calls in flight, then closes the cache. Call once, when the run ends. */
  close(): Promise<void>;
}

/** What a cancelled wait or request rejects with inside the client; `complete` turns it into an LlmCancelledError naming the call. */
class StopSignal extends Error {
  constructor(readonly stoppedBy: string) {
    super(`cancelled by a stop (${stoppedBy})`);
    this.name = 'StopSignal';
  }
}

const DURING: Record<CancelledDuring, string> = {
  'retry-wait': 'while it waited to retry (backoff or Retry-After)',
  'rate-limit-wait': 'while it waited for the rate limit (llm.rpm, llm.tpm, or a pause after a 429)',
  'slot-wait': 'while it waited for a free slot (llm.concurrency)',
  request: 'with its request on the wire (aborted)',
  'not-started': 'before it started',
};

interface CallSpec {
  role: LlmRole;
  model: string;
  temperature: number;
  maxTokens: number;
  /** The role's stop sequences (`llm.roles.<role>.stop`); [] sends none. */
  stop: readonly string[];
  messages: ChatMessage[];
  recordId: string | undefined;
  /** Sent as the request's `seed` when set (`LlmRequestOptions.seed`). */
  seed: number | undefined;
}

/** True when a failed request was refused for its `stop` parameter (HTTP 400 naming it). */
function refusesStop(error: unknown): boolean {
  return error instanceof APIError && error.status === 400 && (error.param === 'stop' || /\bstop\b/i.test(error.message));
}

/** Rough token count of a text (4 characters a token), for rate limiting before usage is known. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const withRecord = <T extends object>(event: T, recordId: string | undefined): T & { recordId?: string } =>
  recordId === undefined ? event : { ...event, recordId };

function resolveApiKey(config: Readonly<Config['llm']>): string {
  if (config.apiKey) return config.apiKey;
  if (config.provider === 'openai') {
    const fromEnv = process.env.OPENAI_API_KEY;
    if (fromEnv) return fromEnv;
    throw new EvolflowError('config', 'llm.provider is "openai" but no API key is set: export OPENAI_API_KEY or set llm.apiKey', {
      details: { path: 'llm.apiKey' },
    });
  }
  // The simulator ignores the key; send a placeholder as the SDK used to.
  return 'evolflow-sim';
}

/** The organization and project headers the openai SDK sent from the environment. */
function openAiHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (process.env.OPENAI_ORG_ID) headers['openai-organization'] = process.env.OPENAI_ORG_ID;
  if (process.env.OPENAI_PROJECT_ID) headers['openai-project'] = process.env.OPENAI_PROJECT_ID;
  return headers;
}

function hint(failure: AttemptFailure, role: LlmRole, url: string): string {
  switch (failure.reason) {
    case 'rate-limit':
      return 'lower llm.concurrency, llm.rpm or llm.tpm, or raise llm.maxRetries';
    case 'server-error':
      return `check the endpoint at ${url}, or raise llm.maxRetries`;
    case 'timeout':
      return 'raise llm.timeoutMs or lower llm.roles.' + role + '.maxTokens';
    case 'connection':
      return `check that the endpoint at ${url} is running (llm.baseUrl)`;
    default:
      return `check llm.roles.${role}.model and llm.apiKey for ${url}`;
  }
}

/** Build the client. Throws a `config` EvolflowError when no endpoint or key can be found. */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  const { config, logger, onEvent } = options;
  const base: Clock = { now: options.now ?? Date.now, sleep: options.sleep ?? timerSleep };
  // The stop: the first reason given, the clock time past which no wait may end, and the signal
  // that aborts requests on the wire (one listener per request in flight, so no listener limit).
  let stoppedBy: string | undefined;
  let waitCutoff = Number.POSITIVE_INFINITY;
  const wire = new AbortController();
  setMaxListeners(0, wire.signal);
  const sleeping = new Set<{ end: number; stop(error: StopSignal): void }>();
  /** A sleep the stop can end: rejects with a StopSignal at once when it would end past the cut-off, or when the cut-off later falls below its end. */
  const sleep = (ms: number): Promise<void> => {
    const end = base.now() + ms;
    if (end > waitCutoff) return Promise.reject(new StopSignal(stoppedBy ?? 'stop'));
    return new Promise<void>((resolve, reject) => {
      const abort = new AbortController();
      const entry = {
        end,
        stop(error: StopSignal) {
          sleeping.delete(entry);
          abort.abort(error);
          reject(error);
        },
      };
      sleeping.add(entry);
      base.sleep(ms, abort.signal).then(
        () => {
          sleeping.delete(entry);
          resolve();
        },
        (error: unknown) => {
          sleeping.delete(entry);
          reject(error as Error);
        },
      );
    });
  };
  const clock: Clock = { now: base.now, sleep };
  const random = options.random ?? Math.random;
  const namespace = options.cacheNamespace ?? '';
  const apiKey = resolveApiKey(config);
  const roles = Object.keys(config.roles) as LlmRole[];

  const urls = {} as Record<LlmRole, string | undefined>;
  for (const role of roles) {
    const url = config.roles[role].baseUrl || options.baseUrl || config.baseUrl || undefined;
    if (url === undefined && config.provider === 'sim') {
      throw new EvolflowError(
        'config',
        `llm.provider is "sim" but role ${role} has no endpoint: start the simulator (evolflow run does) or set llm.baseUrl`,
        { details: { path: 'llm.baseUrl', role } },
      );
    }
    urls[role] = url;
  }
  const endpoints = new Map<string, ChatEndpoint>();
  const extraHeaders = openAiHeaders();
  const endpoint = (role: LlmRole): ChatEndpoint => {
    const url = urls[role] || process.env.OPENAI_BASE_URL || DEFAULT_BASE_URL;
    let found = endpoints.get(url);
    if (!found) {
      found = createChatEndpoint({
        baseUrl: url,
        apiKey,
        timeoutMs: config.timeoutMs,
        maxSockets: Math.max(64, config.concurrency),
        headers: extraHeaders,
      });
      endpoints.set(url, found);
    }
    return found;
  };

  const slots = createSemaphore(config.concurrency);
  const limiter = createRateLimiter({ rpm: config.rpm, tpm: config.tpm, clock });
  const meter = createUsageMeter();
  const cache: ResponseCache | undefined = config.cache.enabled
    ? openResponseCache(config.cache.dir, { ...(logger ? { logger } : {}), maxBytes: config.cache.maxMB * 2 ** 20 })
    : undefined;
  const flights = new Map<string, Promise<CachedAnswer>>();
  // Endpoints that answered 400 to a `stop` parameter: they are never sent one again.
  const noStop = new Set<string>();
  let closed = false;

  const emit = (event: LlmEvent) => {
    try {
      onEvent?.(event);
    } catch (error) {
      // An observer's bug must not fail (or retry) the LLM call it was told about.
      logger?.warn(`llm onEvent hook threw on a ${event.kind} event: ${(error as Error).message}`, { recordId: event.recordId });
    }
  };

  /**
   * One HTTP attempt, holding a concurrency slot and a rate-limit admission for its duration;
   * `state.during` follows where it waits, for the message of a cancel.
   */
  const attempt = async (
    spec: CallSpec,
    estimate: { prompt: number; total: number },
    state: { during: CancelledDuring },
  ): Promise<{ answer: CachedAnswer } | { failure: AttemptFailure; refusedStop?: boolean }> => {
    const chat = endpoint(spec.role);
    const body: ChatRequest & { stop?: string[] } = {
      model: spec.model,
      messages: spec.messages,
      temperature: spec.temperature,
      max_tokens: spec.maxTokens,
    };
    if (spec.stop.length > 0 && !noStop.has(chat.url)) body.stop = [...spec.stop];
    if (spec.seed !== undefined) body.seed = spec.seed;
    state.during = 'slot-wait';
    await slots.acquire();
    try {
      state.during = 'rate-limit-wait';
      const ticket = await limiter.admit(estimate.total);
      if (wire.signal.aborted) throw wire.signal.reason as StopSignal;
      state.during = 'request';
      const started = clock.now();
      try {
        const { data, status } = await chat.create(body, wire.signal);
        const text = data.choices[0]?.message?.content;
        const promptTokens = data.usage?.prompt_tokens ?? estimate.prompt;
        const completionTokens = data.usage?.completion_tokens ?? estimateTokens(text ?? '');
        ticket.settle(promptTokens + completionTokens);
        meter.call(spec.role, promptTokens, completionTokens);
        emit(
          withRecord(
            {
              kind: 'request',
              role: spec.role,
              model: spec.model,
              latencyMs: clock.now() - started,
              status,
              promptTokens,
              completionTokens,
            },
            spec.recordId,
          ),
        );
        if (typeof text !== 'string') {
          return {
            failure: { status, reason: undefined, retryAfterMs: undefined, message: 'the answer has no choices[0].message.content' },
          };
        }
        const answer: CachedAnswer = { text, id: data.id, promptTokens, completionTokens };
        const finish = data.choices[0]?.finish_reason;
        if (typeof finish === 'string') answer.finishReason = finish;
        return { answer };
      } catch (error) {
        // Aborted by a stop: sent (it counts as a call), but not the endpoint's failure.
        const failure = error instanceof StopSignal ? undefined : classifyFailure(error, Date.now());
        ticket.settle(estimate.prompt);
        meter.call(spec.role, 0, 0);
        emit(
          withRecord(
            {
              kind: 'request',
              role: spec.role,
              model: spec.model,
              latencyMs: clock.now() - started,
              status: failure?.status ?? 0,
              promptTokens: 0,
              completionTokens: 0,
            },
            spec.recordId,
          ),
        );
        if (failure === undefined) throw error;
        if (body.stop && refusesStop(error)) {
          if (!noStop.has(chat.url)) {
            noStop.add(chat.url);
            logger?.warn(
              `the endpoint at ${chat.url} refused the stop parameter (${failure.message}); its requests go without stop sequences from now on (llm.roles.${spec.role}.stop)`,
              { role: spec.role, model: spec.model },
            );
          }
          return { failure, refusedStop: true };
        }
        return { failure };
      }
    } finally {
      slots.release();
    }
  };

  /** The error a call cancelled by the stop rejects with. */
  const cancelledError = (spec: CallSpec, during: CancelledDuring, by: string): LlmCancelledError => {
    const message = `LLM ${spec.role} call (model ${spec.model}) for record ${spec.recordId ?? '(none)'} was cancelled by a stop (${by}) ${DURING[during]}; not an endpoint failure: the record is left undone, for a resume to do again`;
    logger?.debug(message, { role: spec.role, recordId: spec.recordId });
    return new LlmCancelledError({ role: spec.role, model: spec.model, recordId: spec.recordId, stoppedBy: by, during }, message);
  };

  /** `retrying`, with a stop's StopSignal turned into an LlmCancelledError that says what the call was waiting for. */
  const callWithRetries = async (spec: CallSpec): Promise<CachedAnswer> => {
    const state = { during: 'not-started' as CancelledDuring };
    try {
      return await retrying(spec, state);
    } catch (error) {
      if (error instanceof StopSignal) throw cancelledError(spec, state.during, error.stoppedBy);
      throw error;
    }
  };

  /** Attempts until success, a failure a retry cannot fix, or `maxRetries` retries. */
  const retrying = async (spec: CallSpec, state: { during: CancelledDuring }): Promise<CachedAnswer> => {
    const prompt = estimateTokens(spec.messages.map((m) => m.content).join(''));
    const estimate = { prompt, total: prompt + spec.maxTokens };
    for (let attempts = 1; ; attempts += 1) {
      const outcome = await attempt(spec, estimate, state);
      if ('answer' in outcome) return outcome.answer;
      // Refused for its stop sequences: the same attempt again, without them (not a retry).
      if (outcome.refusedStop) {
        attempts -= 1;
        continue;
      }
      const { failure } = outcome;
      if (failure.reason === undefined || attempts > config.maxRetries) {
        const url = redactUrl(endpoint(spec.role).url);
        const status = failure.status === 0 ? 'no HTTP response' : `HTTP ${failure.status}`;
        const message = redactText(
          `LLM ${spec.role} call (model ${spec.model}) for record ${spec.recordId ?? '(none)'} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${status}${failure.reason ? ` (${failure.reason})` : ''}: ${failure.message}; ${hint(failure, spec.role, url)}`,
        );
        meter.error();
        const final: LlmFailure = {
          role: spec.role,
          model: spec.model,
          status: failure.status,
          reason: failure.reason,
          retryAfterMs: failure.retryAfterMs,
          attempts,
        };
        emit(
          withRecord(
            {
              kind: 'error',
              role: spec.role,
              model: spec.model,
              status: failure.status,
              attempts,
              error: message,
              ...(failure.reason ? { reason: failure.reason } : {}),
              ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
            },
            spec.recordId,
          ),
        );
        logger?.warn(message, { role: spec.role, model: spec.model, status: failure.status, attempts, recordId: spec.recordId });
        throw new LlmError(final, message, { details: { recordId: spec.recordId, baseUrl: url } });
      }
      // Retry-After is honoured up to llm.maxRetryAfterMs: one answer asking for an hour must not freeze the run.
      const retryAfterMs =
        failure.retryAfterMs === undefined ? undefined : Math.min(failure.retryAfterMs, config.maxRetryAfterMs ?? Number.POSITIVE_INFINITY);
      const delayMs = backoffDelay({ retry: attempts - 1, baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs, random, retryAfterMs });
      // The endpoint said it is saturated: hold every other request back too, not just this one.
      if (failure.reason === 'rate-limit' && retryAfterMs !== undefined) limiter.pauseUntil(clock.now() + retryAfterMs);
      emit(
        withRecord(
          {
            kind: 'retry',
            role: spec.role,
            model: spec.model,
            attempt: attempts + 1,
            delayMs,
            reason: failure.reason,
            status: failure.status,
            ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
          },
          spec.recordId,
        ),
      );
      logger?.debug(`LLM ${spec.role} retry ${attempts} in ${delayMs} ms after ${failure.status || failure.reason}`, {
        recordId: spec.recordId,
      });
      state.during = 'retry-wait';
      await clock.sleep(delayMs);
      // Counted once the wait is over: a retry a stop cancelled in its wait was never made.
      meter.retry();
    }
  };

  const hit = (spec: CallSpec, answer: CachedAnswer): LlmCompletion => {
    meter.hit(spec.role, answer.promptTokens, answer.completionTokens);
    emit(withRecord({ kind: 'cache-hit', role: spec.role, model: spec.model }, spec.recordId));
    return { ...answer, cached: true };
  };

  return {
    async complete(role, messages, request: LlmRequestOptions = {}) {
      if (closed)
        throw new EvolflowError('internal', `LLM ${role} call for record ${request.recordId ?? '(none)'} after the client was closed`);
      const roleConfig = config.roles[role];
      if (!roleConfig)
        throw new EvolflowError('config', `unknown LLM role "${String(role)}": expected one of ${roles.join(', ')} (llm.roles)`);
      const spec: CallSpec = {
        role,
        model: roleConfig.model,
        temperature: request.temperature ?? roleConfig.temperature,
        maxTokens: request.maxTokens ?? roleConfig.maxTokens,
        stop: roleConfig.stop ?? [],
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        recordId: request.recordId,
        seed: request.seed,
      };
      if (wire.signal.aborted) throw cancelledError(spec, 'not-started', (wire.signal.reason as StopSignal).stoppedBy);
      if (!cache) return { ...(await callWithRetries(spec)), cached: false };

      // Stop sequences change the answer, so they are part of its key (folded into the namespace, so keys without them stay as they were).
      // A seed too (folded the same way, so keys without one stay as they were).
      const stopped = spec.stop.length > 0 ? `${namespace}\u0000stop:${JSON.stringify(spec.stop)}` : namespace;
      const keyNamespace = spec.seed === undefined ? stopped : `${stopped}\u0000seed:${spec.seed}`;
      const key = cacheKey({
        namespace: keyNamespace,
        endpoint: (!config.roles[role].baseUrl && options.cacheEndpoint) || endpoint(spec.role).url,
        attempt: spec.recordId,
        model: spec.model,
        temperature: spec.temperature,
        maxTokens: spec.maxTokens,
        messages: spec.messages,
      });
      const stored = cache.get(key);
      if (stored) return hit(spec, stored);
      const flight = flights.get(key);
      if (flight) {
        try {
          return hit(spec, await flight);
        } catch (error) {
          if (!(error instanceof EvolflowError)) throw error;
          if (error instanceof LlmCancelledError) throw cancelledError(spec, error.during, error.stoppedBy);
          const shared = error;
          const message = `${shared.message} (record ${spec.recordId ?? '(none)'} shared that identical request)`;
          const details = { ...shared.details, recordId: spec.recordId };
          if (shared instanceof LlmError) throw new LlmError(shared, message, { cause: error, details });
          throw new EvolflowError(shared.code, message, { cause: error, details });
        }
      }
      const call = callWithRetries(spec).then((answer) => {
        cache.put(key, answer);
        return answer;
      });
      flights.set(key, call);
      try {
        return { ...(await call), cached: false };
      } finally {
        flights.delete(key);
      }
    },
    usage: () => meter.snapshot(),
    cancelWaits(by, graceMs = 0) {
      stoppedBy ??= by;
      waitCutoff = Math.min(waitCutoff, base.now() + Math.max(0, graceMs));
      for (const entry of [...sleeping]) if (entry.end > waitCutoff) entry.stop(new StopSignal(stoppedBy));
    },
    cancel(by) {
      stoppedBy ??= by;
      waitCutoff = Number.NEGATIVE_INFINITY;
      const signal = new StopSignal(stoppedBy);
      for (const entry of [...sleeping]) entry.stop(signal);
      slots.cancel(signal);
      if (!wire.signal.aborted) wire.abort(signal);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...flights.values()]);
      await cache?.close();
    },
  };
}
