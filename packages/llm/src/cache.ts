// The persistent response cache: answers stored in LMDB under a hash of everything that decides
// them (namespace, model, sampling parameters, messages), never the endpoint's address.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type RootDatabase } from 'lmdb';
import type { ChatMessage } from '@evolflow/core';
import { EvolflowError } from '@evolflow/core';

/** What is stored per answer. */
export interface CachedAnswer {
  text: string;
  id: string;
  promptTokens: number;
  completionTokens: number;
  /** The endpoint's finish_reason (`length` = cut at maxTokens), when it gave one. */
  finishReason?: string;
}

/** Everything that decides an answer. */
export interface CacheKeyParts {
  namespace: string;
  model: string;
  temperature: number;
  maxTokens: number;
  messages: readonly ChatMessage[];
}

/** The sha256 (hex) cache key of a request. */
export function cacheKey(parts: CacheKeyParts): string {
  const canonical = JSON.stringify([
    'evolflow-llm/1',
    parts.namespace,
    parts.model,
    parts.temperature,
    parts.maxTokens,
    parts.messages.map((m) => [m.role, m.content]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ResponseCache {
  get(key: string): CachedAnswer | undefined;
  /** Stores in the background; `close` waits for every pending write. */
  put(key: string, answer: CachedAnswer): void;
  close(): Promise<void>;
}

const isAnswer = (v: unknown): v is CachedAnswer => {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.text === 'string' && typeof a.id === 'string' && typeof a.promptTokens === 'number' && typeof a.completionTokens === 'number';
};

/** Open (creating it if needed) the LMDB cache in `dir`; several processes may share one dir. */
export function openResponseCache(dir: string): ResponseCache {
  let db: RootDatabase<CachedAnswer, string>;
  try {
    mkdirSync(dir, { recursive: true });
    db = open<CachedAnswer, string>({ path: dir, encoding: 'msgpack' });
  } catch (cause) {
    throw new EvolflowError('llm', `cannot open the LLM response cache in ${dir} (llm.cache.dir): ${(cause as Error).message}; fix the path or set llm.cache.enabled to false`, { cause, details: { path: 'llm.cache.dir', dir } });
  }
  // Answers whose write is not committed yet: LMDB readers only see committed data.
  const pending = new Map<string, CachedAnswer>();
  const writes = new Set<Promise<unknown>>();
  return {
    get(key) {
      const queued = pending.get(key);
      if (queued) return queued;
      const value: unknown = db.get(key);
      return isAnswer(value) ? value : undefined;
    },
    put(key, answer) {
      const value: CachedAnswer = { text: answer.text, id: answer.id, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens };
      if (answer.finishReason !== undefined) value.finishReason = answer.finishReason;
      pending.set(key, value);
      // A lost cache write only costs a repeated call later; never fail the request for it.
      const write = db.put(key, value).catch(() => false).finally(() => {
        if (pending.get(key) === value) pending.delete(key);
        writes.delete(write);
      });
      writes.add(write);
    },
    async close() {
      await Promise.allSettled([...writes]);
      await db.close();
    },
  };
}
