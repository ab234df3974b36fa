// The simulator over real HTTP: the OpenAI API shape, determinism, inject, stats, /sim endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startSimulator, type FaultRecord, type RunningSimulator, type SimulatorStats } from './index.ts';

const chat = (sim: RunningSimulator, content: string, { signal, ...extra }: Record<string, unknown> = {}) =>
  fetch(`${sim.url}/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: (signal as AbortSignal | undefined) ?? null,
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }], ...extra }),
  });

/** The fields of a completion or error body these tests read. */
interface Body {
  id: string;
  choices: { finish_reason: string; message: { content: string } }[];
  error: { type: string; code: string | null };
}
const json = async (res: Response | Promise<Response>) => (await (await res).json()) as Body;

describe('simulator server', () => {
  let sim: RunningSimulator;
  beforeAll(async () => { sim = await startSimulator(); });
  afterAll(async () => { await sim.close(); });

  it('speaks the OpenAI API (models, chat completions through the openai SDK)', async () => {
    const client = new OpenAI({ baseURL: sim.url, apiKey: 'x', maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['evolflow-sim']);
    const res = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'Explain how tides work.' }] });
    expect(res.id).toMatch(/^chatcmpl-sim-[0-9a-f]+$/);
    expect(res.model).toBe('gpt-x');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    const text = res.choices[0]?.message.content ?? '';
    expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(30);
    expect(res.usage).toEqual({ prompt_tokens: Math.ceil('Explain how tides work.'.length / 4), completion_tokens: Math.ceil(text.length / 4), total_tokens: Math.ceil('Explain how tides work.'.length / 4) + Math.ceil(text.length / 4) });
  });

  it('is deterministic: same request, same answer and id, also across simulators with the same seed', async () => {
    const a = await json(chat(sim, 'List three uses of copper.'));
    const b = await json(chat(sim, 'List three uses of copper.'));
    const other = await startSimulator({ seed: 7 });
    const c = await json(chat(other, 'List three uses of copper.'));
    await other.close();
    const reseeded = await startSimulator({ seed: 8 });
    const d = await json(chat(reseeded, 'List three uses of copper.'));
    await reseeded.close();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d.id).not.toBe(a.id);
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    const res = await json(chat(sim, 'Describe the water cycle in detail.', { max_tokens: 5 }));
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.choices[0]?.message.content).toHaveLength(20);
  });

  it('rejects bad requests with OpenAI-style errors', async () => {
    const bad = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.type).toBe('invalid_request_error');
    expect((await chat(sim, 'hi', { stream: true })).status).toBe(400);
    expect((await fetch(`${sim.url}/nothing`)).status).toBe(404);
  });

  it('inject: the next count requests get the fault, then requests succeed; faults and stats record it', async () => {
    const s = await startSimulator();
    s.inject({ kind: 'rate-limit', count: 2, retryAfterSeconds: 3 });
    s.inject({ kind: 'server-error', count: 1 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await chat(s, 'Name a prime number.');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      expect(res.headers.get('x-request-id')).toMatch(/^req-sim-/);
      const body = await json(res);
      if (res.status === 429) expect(body.error.code).toBe('rate_limit_exceeded');
    }
    expect(statuses).toEqual([429, 429, 500, 200]);
    expect(retryAfter).toBe('3');
    expect(s.faults().map((f) => f.kind)).toEqual(['rate-limit', 'rate-limit', 'server-error']);
    expect(new Set(s.faults().map((f) => f.requestId)).size).toBe(3);
    const stats = s.stats();
    expect(stats).toMatchObject({ requests: 4, completions: 1, inFlight: 0, byStatus: { 200: 1, 429: 2, 500: 1 } });
    expect(stats.log.map((l) => l.status)).toEqual([429, 429, 500, 200]);
    expect(stats.log.every((l) => l.role === 'responder')).toBe(true);
    await s.close();
  });

  it('stall holds the response until the client gives up, or answers after stallMs', async () => {
    const s = await startSimulator({ stallMs: 600_000 });
    s.inject({ kind: 'stall', count: 1 });
    const abort = new AbortController();
    const pending = chat(s, 'Say hello.', { signal: abort.signal }).then(() => 'answered', () => 'aborted');
    while (s.stats().inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    expect(await pending).toBe('aborted');
    while (s.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    expect(s.faults().map((f) => f.kind)).toEqual(['stall']);
    expect(s.stats().completions).toBe(0);
    await s.close();

    const short = await startSimulator({ stallMs: 20 });
    short.inject({ kind: 'stall', count: 1 });
    expect((await chat(short, 'Say hello.')).status).toBe(200);
    await short.close();
  });

  it('counts concurrent completions in maxInFlight', async () => {
    const s = await startSimulator({ latencyMs: 300 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => chat(s, `Question number ${i}?`).then((r) => r.json())));
    expect(s.stats().maxInFlight).toBe(8);
    expect(s.stats().inFlight).toBe(0);
    await s.close();
  });

  it('drives a simulator over HTTP: /sim/inject, /sim/faults, /sim/stats', async () => {
    const base = sim.url.replace(/\/v1$/, '');
    const before = sim.stats().completions;
    expect((await fetch(`${base}/sim/inject`, { method: 'POST', body: JSON.stringify({ kind: 'server-error', count: 1 }) })).status).toBe(200);
    expect((await fetch(`${base}/sim/inject`, { method: 'POST', body: JSON.stringify({ kind: 'boom', count: 1 }) })).status).toBe(400);
    expect((await chat(sim, 'Any question.')).status).toBe(500);
    const faults = (await (await fetch(`${base}/sim/faults`)).json()) as FaultRecord[];
    expect(faults.at(-1)).toMatchObject({ kind: 'server-error', role: 'responder' });
    const stats = (await (await fetch(`${base}/sim/stats`)).json()) as SimulatorStats;
    expect(stats.completions).toBe(before);
    expect(stats.byStatus['500']).toBeGreaterThanOrEqual(1);
  });
});
