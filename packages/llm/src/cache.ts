// The persistent response cache: answers stored in LMDB under a hash of everything that decides
// them: namespace, endpoint (its address without credentials), model, sampling parameters,
// messages, and the attempt (the record the answer was asked for, so a parent evolved again in a
// later round gets a new sample, while a replay of the same attempt after a crash is served again).
//
// A cache must never lie or crash the run. LMDB trusts its file: a corrupted data.mdb can kill the
// process with SIGSEGV or SIGBUS inside the native binding, where no JavaScript can catch it. So a
// cache folder is first read through, every entry, by a child process whenever it may have changed
// since this code last closed it cleanly (a marker file records the data file's size and mtime at
// that close). A folder that fails (the child crashes or finds a bad entry), or that LMDB refuses
// to open, is reported with its path and moved aside to `<dir>.corrupt-<timestamp>`, and a fresh
// cache is started. Every entry carries a checksum, checked on every read.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { open, type RootDatabase } from 'lmdb';
import type { ChatMessage, Logger } from '@evolflow/core';
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
  /** The endpoint's base URL; credentials in it are left out of the key (a rotated key keeps the cache). */
  endpoint?: string | undefined;
  model: string;
  temperature: number;
  maxTokens: number;
  messages: readonly ChatMessage[];
  /**
   * Which attempt the answer is for: the id of the record it was asked for (a child id is
   * `<seedId>.r<round>`, deterministic). Absent: identical requests share one answer.
   */
  attempt?: string | undefined;
}

/** Version of the key scheme and of the stored entries. */
export const CACHE_FORMAT = 'evolflow-llm/2';
/** Written into the cache folder on a clean close. */
export const CACHE_MARKER = 'evolflow-cache.json';

const SECRET_PARAM = /^(?:api[-_]?key|apikey|key|x[-_]api[-_]key|access[-_]?token|token|auth|password|secret|sig|signature)$/i;

/** A base URL as an identity: no user, password or secret query parameter, no trailing slash. */
export function endpointIdentity(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const name of [...u.searchParams.keys()]) if (SECRET_PARAM.test(name)) u.searchParams.delete(name);
    return u.href.replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/** The sha256 (hex) cache key of a request. */
export function cacheKey(parts: CacheKeyParts): string {
  const canonical = JSON.stringify([
    CACHE_FORMAT,
    parts.namespace,
    parts.endpoint === undefined ? null : endpointIdentity(parts.endpoint),
    parts.model,
    parts.temperature,
    parts.maxTokens,
    parts.messages.map((m) => [m.role, m.content]),
    parts.attempt ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ResponseCache {
  get(key: string): CachedAnswer | undefined;
  /** Stores in the background; `close` waits for every pending write. */
  put(key: string, answer: CachedAnswer): void;
  close(): Promise<void>;
  /** Where a corrupt cache found at open was moved to, if one was. */
  readonly movedAside: string | undefined;
}

export interface ResponseCacheOptions {
  /** Where corruption is reported (warn). */
  logger?: Logger;
  /** For tests: the clock of the `.corrupt-<timestamp>` name. */
  now?(): number;
}

/** An entry as stored: the answer and a checksum of it. */
interface StoredAnswer extends CachedAnswer {
  sum: string;
}

function checksum(a: CachedAnswer): string {
  return createHash('sha256').update(JSON.stringify([a.text, a.id, a.promptTokens, a.completionTokens, a.finishReason ?? null])).digest('hex').slice(0, 16);
}

const isAnswer = (v: unknown): v is StoredAnswer => {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return typeof a.text === 'string' && typeof a.id === 'string' && typeof a.promptTokens === 'number' && typeof a.completionTokens === 'number' && typeof a.sum === 'string';
};

interface Marker {
  format: string;
  size: number;
  mtimeMs: number;
}

function dataStat(dir: string): Marker | undefined {
  try {
    const s = statSync(join(dir, 'data.mdb'));
    return { format: CACHE_FORMAT, size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function markerMatches(dir: string, now: Marker): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, CACHE_MARKER), 'utf8')) as Partial<Marker>;
    return m.format === now.format && m.size === now.size && m.mtimeMs === now.mtimeMs;
  } catch {
    return false;
  }
}

const LMDB_URL = pathToFileURL(createRequire(import.meta.url).resolve('lmdb')).href;

/** Read every entry of the cache in `dir` in a child process; a reason when it fails, else undefined. */
function probe(dir: string): string | undefined {
  const code = `
    import { createHash } from 'node:crypto';
    const lmdb = await import(${JSON.stringify(LMDB_URL)});
    const open = lmdb.open ?? lmdb.default.open;
    const db = open({ path: process.argv[1], encoding: 'msgpack' });
    let n = 0;
    for (const { key, value } of db.getRange()) {
      n++;
      const a = value ?? {};
      const sum = createHash('sha256').update(JSON.stringify([a.text, a.id, a.promptTokens, a.completionTokens, a.finishReason ?? null])).digest('hex').slice(0, 16);
      if (typeof a.text !== 'string' || a.sum !== sum) { process.stdout.write('entry ' + String(key) + ' fails its checksum'); process.exit(3); }
    }
    await db.close();
    process.stdout.write('ok ' + n);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code, dir], { encoding: 'utf8', timeout: 600_000 });
  if (child.error) return `the check could not run: ${child.error.message}`;
  if (child.signal) return `reading it crashed the checking process (${child.signal})`;
  if (child.status !== 0) {
    const said = (child.stdout.trim() || child.stderr.trim().split('\n').find((l) => /error/i.test(l)) || `exit code ${child.status}`).slice(0, 300);
    return `reading it failed: ${said}`;
  }
  return undefined;
}

/** Open (creating it if needed) the LMDB cache in `dir`; several processes may share one dir. */
export function openResponseCache(dir: string, options: ResponseCacheOptions = {}): ResponseCache {
  const now = options.now ?? Date.now;
  let movedAside: string | undefined;
  const moveAside = (why: string) => {
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
    const to = `${dir}.corrupt-${stamp}`;
    try {
      renameSync(dir, to);
    } catch (cause) {
      throw new EvolflowError('config', `the LLM response cache in ${dir} (llm.cache.dir) is corrupt (${why}) and cannot be moved aside: ${(cause as Error).message}; remove it or set llm.cache.enabled to false`, { cause, details: { path: 'llm.cache.dir', dir } });
    }
    movedAside = to;
    options.logger?.warn(`the LLM response cache in ${dir} is corrupt (${why}); moved it aside to ${to} and started a fresh cache`, { dir, movedTo: to });
  };
  const fail = (cause: unknown): never => {
    throw new EvolflowError('config', `cannot open the LLM response cache in ${dir} (llm.cache.dir): ${(cause as Error).message}; fix the path or set llm.cache.enabled to false`, { cause, details: { path: 'llm.cache.dir', dir } });
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    fail(cause);
  }
  const before = dataStat(dir);
  if (before && !markerMatches(dir, before)) {
    const problem = probe(dir);
    if (problem !== undefined) moveAside(problem);
  }
  let db: RootDatabase<StoredAnswer, string>;
  try {
    if (movedAside) mkdirSync(dir, { recursive: true });
    db = open<StoredAnswer, string>({ path: dir, encoding: 'msgpack' });
  } catch (cause) {
    // LMDB's own verdicts (MDB_INVALID, MDB_CORRUPTED, MDB_VERSION_MISMATCH...) mean the file is bad, not the path.
    if (movedAside || !/MDB_/.test((cause as Error).message)) fail(cause);
    moveAside((cause as Error).message);
    try {
      mkdirSync(dir, { recursive: true });
      db = open<StoredAnswer, string>({ path: dir, encoding: 'msgpack' });
    } catch (again) {
      fail(again);
    }
  }
  // Answers whose write is not committed yet: LMDB readers only see committed data.
  const pending = new Map<string, StoredAnswer>();
  const writes = new Set<Promise<unknown>>();
  /** Set when a read fails: the rest of the run goes without the cache, which is moved aside at close. */
  let broken: string | undefined;
  const breakOff = (why: string) => {
    if (broken !== undefined) return;
    broken = why;
    options.logger?.warn(`the LLM response cache in ${dir} failed a read (${why}); the rest of this run goes without it, and it is moved aside when the run ends`, { dir });
  };
  return {
    get movedAside() {
      return movedAside;
    },
    get(key) {
      const queued = pending.get(key);
      if (queued) return strip(queued);
      if (broken !== undefined) return undefined;
      let value: unknown;
      try {
        value = db.get(key);
      } catch (cause) {
        breakOff((cause as Error).message);
        return undefined;
      }
      if (value === undefined) return undefined;
      if (!isAnswer(value) || value.sum !== checksum(value)) {
        breakOff(`the entry ${key} fails its checksum`);
        return undefined;
      }
      return strip(value);
    },
    put(key, answer) {
      if (broken !== undefined) return;
      const value: StoredAnswer = { text: answer.text, id: answer.id, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, sum: '' };
      if (answer.finishReason !== undefined) value.finishReason = answer.finishReason;
      value.sum = checksum(value);
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
      if (broken !== undefined) {
        moveAside(broken);
        return;
      }
      const after = dataStat(dir);
      if (after && existsSync(dir)) {
        try {
          writeFileSync(join(dir, CACHE_MARKER), `${JSON.stringify(after)}\n`);
        } catch {
          // Without the marker the next open only checks the cache again.
        }
      }
    },
  };
}

function strip(v: StoredAnswer): CachedAnswer {
  const a: CachedAnswer = { text: v.text, id: v.id, promptTokens: v.promptTokens, completionTokens: v.completionTokens };
  if (v.finishReason !== undefined) a.finishReason = v.finishReason;
  return a;
}
