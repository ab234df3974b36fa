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
//
// Size: with a limit (`llm.cache.maxMB`), the oldest answers are removed once the pages in use pass
// it, down to 90% of it; LMDB reuses the freed pages, so the file (and what the process maps of it)
// stops growing. The write order is kept in a named database (ORDER_DB): time-ordered sequence ->
// key, and each answer carries its sequence (`at`), so a key written again is not removed for its
// older write. Answers from before the limit existed have no sequence; they go first, in key order.
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
  /** Size limit of the pages in use, in bytes (`llm.cache.maxMB`); the oldest answers go past it. 0 or absent: none. */
  maxBytes?: number;
  /** For tests: the clock of the `.corrupt-<timestamp>` name. */
  now?(): number;
}

/** An entry as stored: the answer and a checksum of it. */
interface StoredAnswer extends CachedAnswer {
  sum: string;
  /** Write sequence (ORDER_DB's key), absent on answers stored before the size limit existed. */
  at?: number;
}

/** The named database of the write order (its name is also a key of the root database, skipped when reading answers). */
export const ORDER_DB = 'evolflow-write-order';
/** Eviction goes down to this share of the limit, so it does not run at every write. */
const EVICT_TO = 0.9;

function checksum(a: CachedAnswer): string {
  return createHash('sha256')
    .update(JSON.stringify([a.text, a.id, a.promptTokens, a.completionTokens, a.finishReason ?? null]))
    .digest('hex')
    .slice(0, 16);
}

const isAnswer = (v: unknown): v is StoredAnswer => {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.text === 'string' &&
    typeof a.id === 'string' &&
    typeof a.promptTokens === 'number' &&
    typeof a.completionTokens === 'number' &&
    typeof a.sum === 'string'
  );
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
    for (const key of db.getKeys()) {
      if (key === ${JSON.stringify(ORDER_DB)}) continue; // the write-order database, not an answer
      const value = db.get(key);
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
    const said = (
      child.stdout.trim() ||
      child.stderr
        .trim()
        .split('\n')
        .find((l) => /error/i.test(l)) ||
      `exit code ${child.status}`
    ).slice(0, 300);
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
      throw new EvolflowError(
        'config',
        `the LLM response cache in ${dir} (llm.cache.dir) is corrupt (${why}) and cannot be moved aside: ${(cause as Error).message}; remove it or set llm.cache.enabled to false`,
        { cause, details: { path: 'llm.cache.dir', dir } },
      );
    }
    movedAside = to;
    options.logger?.warn(`the LLM response cache in ${dir} is corrupt (${why}); moved it aside to ${to} and started a fresh cache`, {
      dir,
      movedTo: to,
    });
  };
  // Typed on the name, so the compiler knows a call to it does not return.
  const fail: (cause: unknown) => never = (cause) => {
    throw new EvolflowError(
      'config',
      `cannot open the LLM response cache in ${dir} (llm.cache.dir): ${(cause as Error).message}; fix the path or set llm.cache.enabled to false`,
      { cause, details: { path: 'llm.cache.dir', dir } },
    );
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
  const track = (write: Promise<unknown>) => {
    writes.add(write);
    void write.finally(() => writes.delete(write));
  };
  const maxBytes = options.maxBytes !== undefined && options.maxBytes > 0 ? options.maxBytes : 0;
  const order = db.openDB<string, number>({ name: ORDER_DB, encoding: 'msgpack' });
  let lastAt = 0;
  for (const k of order.getKeys({ reverse: true, limit: 1 })) lastAt = k;
  /** Time-ordered and increasing: several processes sharing the folder interleave by time. */
  const nextAt = () => (lastAt = Math.max(lastAt + 1, now() * 1000));
  const pagesOf = (s: { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number }) =>
    s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
  const usedBytes = (): { bytes: number; entries: number } => {
    const r = db.getStats() as {
      pageSize: number;
      entryCount: number;
      treeBranchPageCount: number;
      treeLeafPageCount: number;
      overflowPages: number;
    };
    const o = order.getStats() as { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    return { bytes: (pagesOf(r) + pagesOf(o)) * r.pageSize, entries: Math.max(1, r.entryCount - 1) };
  };
  /**
   * Past the limit (committed pages): remove the oldest answers down to EVICT_TO of it, in one
   * synchronous write transaction (its reads see every committed write, its removals commit together).
   * Returns how many answers went.
   */
  const evict = (): number => {
    if (maxBytes === 0 || broken !== undefined) return 0;
    db.resetReadTxn();
    const used = usedBytes();
    if (used.bytes <= maxBytes) return 0;
    const target = Math.max(1, Math.ceil((used.bytes - maxBytes * EVICT_TO) / (used.bytes / used.entries)));
    try {
      return db.transactionSync(() => {
        let removed = 0;
        // Answers without a sequence (stored before the limit existed) are older than any with one.
        for (const key of db.getKeys({ limit: target * 4 + 8 })) {
          if (removed === target) break;
          if (key === ORDER_DB || pending.has(key)) continue;
          const v = db.get(key);
          if (isAnswer(v) && v.at === undefined && db.removeSync(key)) removed++;
        }
        for (const { key: at, value: key } of order.getRange({ limit: target - removed })) {
          if (pending.has(key)) break; // not committed yet: neither it nor anything newer goes now
          const v = db.get(key);
          // A key written again since carries a newer sequence: only this older entry of the order goes.
          if (isAnswer(v) && v.at === at && db.removeSync(key)) removed++;
          order.removeSync(at);
        }
        return removed;
      });
    } catch {
      // A failed eviction only leaves the cache larger for now; the next write tries again.
      return 0;
    }
  };
  /** Set when a read fails: the rest of the run goes without the cache, which is moved aside at close. */
  let broken: string | undefined;
  const breakOff = (why: string) => {
    if (broken !== undefined) return;
    broken = why;
    options.logger?.warn(
      `the LLM response cache in ${dir} failed a read (${why}); the rest of this run goes without it, and it is moved aside when the run ends`,
      { dir },
    );
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
      const value: StoredAnswer = {
        text: answer.text,
        id: answer.id,
        promptTokens: answer.promptTokens,
        completionTokens: answer.completionTokens,
        sum: '',
      };
      if (answer.finishReason !== undefined) value.finishReason = answer.finishReason;
      value.sum = checksum(value);
      if (maxBytes > 0) value.at = nextAt();
      pending.set(key, value);
      // A lost cache write only costs a repeated call later; never fail the request for it.
      const put = value.at === undefined ? db.put(key, value) : Promise.all([db.put(key, value), order.put(value.at, key)]);
      track(
        put
          .catch(() => false)
          .finally(() => {
            if (pending.get(key) === value) pending.delete(key);
          }),
      );
      evict();
    },
    async close() {
      await Promise.allSettled([...writes]);
      // What the last writes put past the limit goes before the close, so a closed cache is within it.
      for (let round = 0; round < 64 && evict() > 0; round++);
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
