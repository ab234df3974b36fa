import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, requestKey, startChatServer, type ChatBackend, type ChatRequest } from './chat-server.ts';
import { readRecording, recordingBackend, replayBackend } from './recording.ts';
import { startReplay } from './local.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-llm-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A backend that echoes what it was asked, to see how the server maps the OpenAI request. */
const echo: ChatBackend = async (r) => ({
  text: JSON.stringify({
    m: r.messages.length,
    t: r.temperature,
    n: r.maxTokens,
    s: r.stop,
    seed: r.seed ?? null,
    f: r.responseFormat ?? null,
  }),
  finishReason: r.maxTokens < 5 ? 'length' : 'stop',
  promptTokens: 7,
  completionTokens: 3,
});

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the chat server', () => {
  it('maps an OpenAI request onto the backend and answers in the OpenAI shape', async () => {
    const server = await startChatServer({ backend: echo, modelName: 'm' });
    try {
      const { status, json } = await post(server.url, {
        model: 'x',
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'hi' },
        ],
        temperature: 0.2,
        max_tokens: 40,
        stop: ['##'],
        seed: 5,
      });
      expect(status).toBe(200);
      const choice = (json.choices as { message: { content: string }; finish_reason: string }[])[0];
      expect(JSON.parse(choice?.message.content ?? '')).toEqual({ m: 2, t: 0.2, n: 40, s: ['##'], seed: 5, f: null });
      expect(choice?.finish_reason).toBe('stop');
      expect(json.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
      expect(json.model).toBe('m');
      const cut = await post(server.url, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, stop: '##' });
      expect((cut.json.choices as { finish_reason: string }[])[0]?.finish_reason).toBe('length');
      const schema = { type: 'object', properties: { verdict: { enum: ['Equal', 'Not Equal'] } } };
      const structured = await post(server.url, {
        messages: [{ role: 'user', content: 'hi' }],
        response_format: { type: 'json_schema', json_schema: { name: 'v', schema } },
      });
      expect(JSON.parse((structured.json.choices as { message: { content: string } }[])[0]?.message.content ?? '').f).toEqual({
        type: 'json_schema',
        schema,
      });
      const models = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((d) => d.id)).toEqual(['m']);
      expect(server.stats()).toEqual({ completions: 3, failures: 0 });
    } finally {
      await server.close();
    }
  });

  it('refuses malformed requests with 400 and a message naming the field', async () => {
    const server = await startChatServer({ backend: echo, modelName: 'm' });
    try {
      const cases: [unknown, RegExp][] = [
        ['{not json', /not valid JSON/],
        [{ messages: [] }, /messages/],
        [{ messages: [{ role: 'tool', content: 'x' }] }, /messages\[0\]\.role/],
        [{ messages: [{ role: 'user', content: 3 }] }, /messages\[0\]\.content/],
        [{ messages: [{ role: 'user', content: 'x' }], temperature: 9 }, /temperature/],
        [{ messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, /stop/],
        [{ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema' } }, /response_format/],
      ];
      for (const [body, message] of cases) {
        const { status, json } = await post(server.url, body);
        expect(status).toBe(400);
        expect((json.error as { message: string }).message).toMatch(message);
      }
      expect(server.stats().failures).toBe(cases.length);
    } finally {
      await server.close();
    }
  });
});

describe('record and replay', () => {
  const request = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    model: 'a',
    messages: [{ role: 'user', content }],
    temperature: 0.7,
    maxTokens: 64,
    stop: [],
    ...extra,
  });

  it('keys a request by what decides its answer, not by the model name', () => {
    expect(requestKey(request('x'))).toBe(requestKey({ ...request('x'), model: 'b' }));
    expect(requestKey(request('x'))).not.toBe(requestKey(request('y')));
    expect(requestKey(request('x'))).not.toBe(requestKey(request('x', { stop: ['#'] })));
    expect(requestKey(request('x'))).not.toBe(requestKey(request('x', { maxTokens: 65 })));
    expect(requestKey(request('x'))).not.toBe(requestKey(request('x', { responseFormat: { type: 'json_object' } })));
  });

  it('records every answer and serves it back; an unrecorded request is a 404, never an invented answer', async () => {
    const file = join(dir, 'rec.jsonl');
    const recorder = recordingBackend(echo, file);
    const first = await recorder(request('one'));
    await recorder(request('two', { stop: ['#'] }));
    const exchanges = readRecording(file);
    expect(exchanges.map((e) => e.request.messages[0]?.content)).toEqual(['one', 'two']);
    const replay = replayBackend(exchanges);
    expect(await replay.answer({ ...request('one'), model: 'other' })).toEqual(first);
    await expect(replay.answer(request('three'))).rejects.toBeInstanceOf(BackendError);
    expect(replay.hits()).toBe(1);
    expect(replay.misses()).toEqual([requestKey(request('three'))]);

    const server = await startReplay({ file });
    try {
      expect(
        (await post(server.url, { messages: [{ role: 'user', content: 'two' }], temperature: 0.7, max_tokens: 64, stop: ['#'] })).status,
      ).toBe(200);
      const miss = await post(server.url, { messages: [{ role: 'user', content: 'two' }], temperature: 0.7, max_tokens: 64 });
      expect(miss.status).toBe(404);
      expect((miss.json.error as { message: string }).message).toMatch(/no recorded exchange/);
      expect(server.misses()).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('names the file and line of a bad recording', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${readFileSync(join(dir, 'rec.jsonl'), 'utf8')}{"key": 1}\n`);
    expect(() => readRecording(file)).toThrow(`${file}:3: not a recorded exchange`);
    writeFileSync(file, 'nope\n');
    expect(() => readRecording(file)).toThrow(`${file}:1: not JSON`);
  });
});
