// The real model behind the OpenAI API: what the pipeline relies on from any endpoint holds for it
// too — stop sequences end an answer, an answer cut at max_tokens says `length`, the same request
// gets the same answer, and usage counts tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalLlm, type RunningChatServer } from '@evolflow/local-llm';
import { realModelPath } from './helpers/real-model.ts';

let server: RunningChatServer;
beforeAll(async () => {
  server = await startLocalLlm({ modelPath: realModelPath(), threads: 1 });
}, 120_000);
afterAll(async () => server?.close());

interface Completion {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}
async function chat(body: Record<string, unknown>): Promise<Completion> {
  const res = await fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smollm2', ...body }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Completion;
}
const text = (c: Completion) => c.choices[0]?.message.content ?? '';

describe('SmolLM2-135M-Instruct served locally', () => {
  const count = [{ role: 'user', content: 'List the numbers from 1 to 10, separated by commas.' }];

  it('reports an answer cut at max_tokens as `length`, with the tokens it spent', async () => {
    const cut = await chat({ messages: count, max_tokens: 8, temperature: 0 });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage.completion_tokens).toBe(8);
    expect(cut.usage.prompt_tokens).toBeGreaterThan(10);
  });

  it('ends an answer before its first stop sequence', async () => {
    const full = text(await chat({ messages: count, max_tokens: 120, temperature: 0 }));
    expect(full).toContain('4, 5');
    const stopped = await chat({ messages: count, max_tokens: 120, temperature: 0, stop: [', 5'] });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(text(stopped)).toMatch(/4$/);
    expect(full.startsWith(text(stopped))).toBe(true);
  });

  it('follows a JSON schema given as response_format (structured outputs)', async () => {
    const schema = {
      type: 'object',
      properties: { verdict: { enum: ['Equal', 'Not Equal'] } },
      required: ['verdict'],
      additionalProperties: false,
    };
    const answer = await chat({
      messages: [
        {
          role: 'user',
          content: 'Are "Name a color." and "Name a color of the rainbow and explain it." equal? Answer Equal or Not Equal.',
        },
      ],
      max_tokens: 24,
      temperature: 0,
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema } },
    });
    expect(['Equal', 'Not Equal']).toContain((JSON.parse(text(answer)) as { verdict: string }).verdict);
  });

  it('gives the same answer to the same request, sampled or not', async () => {
    const ask = { messages: [{ role: 'user', content: 'Name a fruit.' }], max_tokens: 24, temperature: 0.9 };
    expect(text(await chat(ask))).toBe(text(await chat(ask)));
    expect(text(await chat({ ...ask, seed: 1 }))).toBe(text(await chat({ ...ask, seed: 1 })));
  });
});
