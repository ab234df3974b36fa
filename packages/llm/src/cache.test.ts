import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@evolflow/core';
import { CACHE_MARKER, cacheKey, endpointIdentity, openResponseCache, ORDER_DB } from './cache.ts';

const answer = (text: string) => ({ text, id: `cmpl-${text}`, promptTokens: 3, completionTokens: 4 });

function recording(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (msg: string) => void warnings.push(msg) };
}

/** A cache folder holding `n` answers, closed cleanly. */
async function filled(n: number): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'evolflow-cache-')), 'cache');
  const cache = openResponseCache(dir);
  for (let i = 0; i < n; i++) cache.put(`k${i}`, answer(`a${i}`));
  await cache.close();
  return dir;
}

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const asideOf = (dir: string) => `${dir}.corrupt-2026-11-30T12-00-00-000Z`;

describe('cacheKey', () => {
  const base = { namespace: 'openai', model: 'm', temperature: 0.7, maxTokens: 10, messages: [{ role: 'user' as const, content: 'x' }] };
  it('includes the endpoint without its credentials, and the attempt', () => {
    const k = cacheKey({ ...base, endpoint: 'http://h:1/v1', attempt: 's.r1' });
    expect(cacheKey({ ...base, endpoint: 'http://h:2/v1', attempt: 's.r1' })).not.toBe(k);
    expect(cacheKey({ ...base, endpoint: 'http://h:1/v1', attempt: 's.r2' })).not.toBe(k);
    expect(cacheKey({ ...base, endpoint: 'http://u:secret@h:1/v1/?api_key=zz', attempt: 's.r1' })).toBe(k);
    expect(endpointIdentity('https://u:p@api.example.com/v1/?api_key=zz&model=a')).toBe('https://api.example.com/v1/?model=a');
  });
});

describe('openResponseCache: corruption', () => {
  it('keeps a clean cache, marked at close, and serves it again', async () => {
    const dir = await filled(50);
    expect(JSON.parse(readFileSync(join(dir, CACHE_MARKER), 'utf8'))).toMatchObject({ format: 'evolflow-llm/2' });
    const log = recording();
    const cache = openResponseCache(dir, { logger: log });
    expect(cache.get('k7')).toEqual(answer('a7'));
    expect(cache.movedAside).toBeUndefined();
    expect(log.warnings).toEqual([]);
    await cache.close();
  });

  it('moves aside a data file whose header is overwritten (LMDB would crash the process), reports the path, and starts fresh', async () => {
    const dir = await filled(200);
    const data = join(dir, 'data.mdb');
    const bytes = readFileSync(data);
    bytes.fill(0, 0, 8192);
    writeFileSync(data, bytes);
    const log = recording();
    const cache = openResponseCache(dir, { logger: log, now: () => NOW });
    expect(cache.movedAside).toBe(asideOf(dir));
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(
      new RegExp(
        `^the LLM response cache in ${dir} is corrupt \\(reading it crashed the checking process \\(SIG[A-Z]+\\)\\); moved it aside to ${asideOf(dir)} and started a fresh cache$`,
      ),
    );
    expect(existsSync(join(asideOf(dir), 'data.mdb'))).toBe(true);
    expect(cache.get('k1')).toBeUndefined();
    cache.put('k1', answer('fresh'));
    await cache.close();
    const again = openResponseCache(dir);
    expect(again.get('k1')).toEqual(answer('fresh'));
    await again.close();
  });

  it('moves aside a truncated data file', async () => {
    const dir = await filled(2000);
    const data = join(dir, 'data.mdb');
    writeFileSync(data, readFileSync(data).subarray(0, 10_000));
    const log = recording();
    const cache = openResponseCache(dir, { logger: log, now: () => NOW });
    expect(cache.movedAside).toBe(asideOf(dir));
    expect(log.warnings[0]).toContain(`moved it aside to ${asideOf(dir)}`);
    await cache.close();
  });

  it('moves aside a cache holding an entry that fails its checksum', async () => {
    const dir = await filled(10);
    const raw = open<Record<string, unknown>, string>({ path: dir, encoding: 'msgpack' });
    const stored = raw.get('k3') as Record<string, unknown>;
    await raw.put('k3', { ...stored, text: 'a lie' });
    await raw.close();
    const log = recording();
    const cache = openResponseCache(dir, { logger: log, now: () => NOW });
    expect(cache.movedAside).toBe(asideOf(dir));
    expect(log.warnings[0]).toContain('(reading it failed: entry k3 fails its checksum)');
    expect(cache.get('k3')).toBeUndefined();
    await cache.close();
    expect(readdirSync(join(dir, '..')).sort()).toEqual(['cache', 'cache.corrupt-2026-11-30T12-00-00-000Z']);
  });

  it('refuses a cache path that is a file, naming it, and leaves the file alone', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'evolflow-cache-')), 'not-a-dir');
    writeFileSync(file, 'mine');
    expect(() => openResponseCache(file)).toThrow(`cannot open the LLM response cache in ${file} (llm.cache.dir)`);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});

describe('openResponseCache: size limit (llm.cache.maxMB)', () => {
  it('removes the oldest answers once past the limit, keeps the newest (and a key written again), and stays within it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'evolflow-cache-')), 'cache');
    const limit = 64 * 1024;
    const text = (i: number, again = '') => `a${i}${again} ${'an answer of about three kilobytes. '.repeat(85)}`;
    const cache = openResponseCache(dir, { maxBytes: limit });
    for (let i = 0; i < 100; i++) {
      cache.put(`k${i}`, answer(text(i)));
      if (i === 97) cache.put('k60', answer(text(60, ' again'))); // its first write is the older one
      await new Promise((r) => setImmediate(r)); // let the writes commit, as requests do between answers
    }
    await cache.close();

    const log = recording();
    rmSync(join(dir, CACHE_MARKER)); // so the open reads every entry through, the write-order database included
    const again = openResponseCache(dir, { logger: log });
    expect(again.movedAside).toBeUndefined();
    expect(log.warnings).toEqual([]);
    const kept = Array.from({ length: 100 }, (_, i) => i).filter((i) => again.get(`k${i}`) !== undefined);
    expect(again.get('k99')).toEqual(answer(text(99)));
    expect(again.get('k60')).toEqual(answer(text(60, ' again')));
    const first = kept.find((i) => i !== 60) as number;
    expect(first).toBeGreaterThan(60);
    // The newest are kept, without a hole: what went were the oldest.
    expect(kept).toEqual([60, ...Array.from({ length: 100 - first }, (_, j) => first + j)]);
    await again.close();

    const db = open({ path: dir, encoding: 'msgpack' });
    const pages = (s: { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number }) =>
      s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages;
    const root = db.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number };
    const order = db.openDB({ name: ORDER_DB, encoding: 'msgpack' });
    expect((pages(root) + pages(order.getStats() as typeof root)) * root.pageSize).toBeLessThanOrEqual(limit);
    expect([...order.getKeys()].length).toBe(kept.length);
    await db.close();
  });
});
