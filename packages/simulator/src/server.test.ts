// The simulator over real HTTP: the OpenAI API shape, determinism, inject, stats, /sim endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startSimulator, type FaultRecord, type RunningSimulator, type SimulatorStats } from './index.ts';

const chat = (sim: RunningSimulator, content: string, { signal, ...extra }: Record<string, unknown> = {}) =>
  fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    signal: (signal as AbortSignal | undefined) ?? null,
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
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

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
    expect(res.usage).toEqual({
      prompt_tokens: Math.ceil('Explain how tides work.'.length / 4),
      completion_tokens: Math.ceil(text.length / 4),
      total_tokens: Math.ceil('Explain how tides work.'.length / 4) + Math.ceil(text.length / 4),
    });
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

  it('honours stop: the answer ends before the first stop sequence, finish_reason stop, tokens of what is sent', async () => {
    const whole = await json(chat(sim, 'Describe the water cycle in detail.'));
    const text = whole.choices[0]?.message.content ?? '';
    expect(text.startsWith('Here is a clear answer about')).toBe(true);
    const cut = (await (await chat(sim, 'Describe the water cycle in detail.', { stop: ['answer', 'clear'] })).json()) as Body & {
      usage: { completion_tokens: number };
    };
    expect(cut.choices[0]?.message.content).toBe('Here is a ');
    expect(cut.choices[0]?.finish_reason).toBe('stop');
    expect(cut.usage.completion_tokens).toBe(Math.ceil('Here is a '.length / 4));
    expect((await json(chat(sim, 'Describe the water cycle in detail.', { stop: 'clear' }))).choices[0]?.message.content).toBe(
      'Here is a ',
    );
    // A stop sequence that never occurs changes nothing; max_tokens still applies after the cut.
    expect(
      (await json(chat(sim, 'Describe the water cycle in detail.', { stop: ['#The Given Prompt#'] }))).choices[0]?.message.content,
    ).toBe(text);
    const both = await json(chat(sim, 'Describe the water cycle in detail.', { stop: ['zzz-never'], max_tokens: 2 }));
    expect([both.choices[0]?.message.content, both.choices[0]?.finish_reason]).toEqual(['Here is ', 'length']);
  });

  it("with the evolver's default stops, meta inside an answer is left for validate; a stop on it cuts it", async () => {
    const s = await startSimulator({ faults: ['meta-copy'], faultRate: 1 });
    const ask = (given: string, stop?: string[]) =>
      json(
        chat(s, `Rewrite it, adding one more constraint.\n\n#The Given Prompt#:\n${given}\n\n#Rewritten Prompt#:\n`, stop ? { stop } : {}),
      );
    const stops = ['#The Given Prompt#', '#Given Prompt#', '\n#Rewritten Prompt#', '\n#Created Prompt#'];
    // The meta-copy fault answers "<rewrite>\n\nThe #Rewritten Prompt# above ..." for this one ...
    const inner = (await ask('Name a prime number.')).choices[0]?.message.content ?? '';
    expect(inner).toMatch(/\n\nThe #Rewritten Prompt# above adds one requirement\.$/);
    expect((await ask('Name a prime number.', stops)).choices[0]?.message.content).toBe(inner);
    // ... and "<rewrite> Answer the given prompt in full." for this one: a stop on that phrase cuts it.
    const trailing = (await ask('Explain gravity.')).choices[0]?.message.content ?? '';
    expect(trailing.endsWith(' Answer the given prompt in full.')).toBe(true);
    const cut = await ask('Explain gravity.', [...stops.slice(0, 3), ' Answer the given']);
    expect([cut.choices[0]?.message.content, cut.choices[0]?.finish_reason]).toEqual([
      trailing.slice(0, -' Answer the given prompt in full.'.length),
      'stop',
    ]);
    await s.close();
  });

  it('answers 400 naming stop for more than 4 stop sequences, or for any when acceptsStop is false', async () => {
    const many = await chat(sim, 'hi', { stop: ['a', 'b', 'c', 'd', 'e'] });
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { param: string } }).error.param).toBe('stop');
    const strict = await startSimulator({ acceptsStop: false });
    const refused = await chat(strict, 'hi', { stop: ['x'] });
    const fine = await chat(strict, 'hi');
    await strict.close();
    expect([refused.status, fine.status]).toEqual([400, 200]);
    expect(((await refused.json()) as { error: { message: string; param: string } }).error).toMatchObject({
      param: 'stop',
      message: expect.stringMatching(/'stop' is not supported/),
    });
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
    const pending = chat(s, 'Say hello.', { signal: abort.signal }).then(
      () => 'answered',
      () => 'aborted',
    );
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
    expect((await fetch(`${base}/sim/inject`, { method: 'POST', body: JSON.stringify({ kind: 'server-error', count: 1 }) })).status).toBe(
      200,
    );
    expect((await fetch(`${base}/sim/inject`, { method: 'POST', body: JSON.stringify({ kind: 'boom', count: 1 }) })).status).toBe(400);
    expect((await chat(sim, 'Any question.')).status).toBe(500);
    const faults = (await (await fetch(`${base}/sim/faults`)).json()) as FaultRecord[];
    expect(faults.at(-1)).toMatchObject({ kind: 'server-error', role: 'responder' });
    const stats = (await (await fetch(`${base}/sim/stats`)).json()) as SimulatorStats;
    expect(stats.completions).toBe(before);
    expect(stats.byStatus['500']).toBeGreaterThanOrEqual(1);
  });
});
