// Stop sequences: sent per role as the OpenAI `stop` parameter, part of the cache key, and dropped
// for good (logged once) by an endpoint that answers 400 about them.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Logger } from '@evolflow/core';
import { startSimulator } from '@evolflow/simulator';
import { ask, cacheDir, cleanups, client, llmConfig, listenForTest } from './test-support.ts';

interface Body {
  messages: { content: string }[];
  stop?: string[];
  seed?: number;
}

/** A server that records request bodies; `refuseStop` answers 400 (as OpenAI words it) to any body with `stop`. */
async function server(refuseStop: boolean) {
  const seen: Body[] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
      seen.push(body);
      const refused = refuseStop && body.stop !== undefined;
      res.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          refused
            ? {
                error: {
                  message: "Unsupported parameter: 'stop' is not supported with this model.",
                  type: 'invalid_request_error',
                  param: 'stop',
                  code: 'unsupported_parameter',
                },
              }
            : {
                id: `c-${seen.length}`,
                choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
                usage: { prompt_tokens: 1, completion_tokens: 1 },
              },
        ),
      );
    });
  });
  return { url: await listenForTest(http), seen };
}

function logger() {
  const warnings: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (m: string) => {
      warnings.push(m);
    },
    error() {},
  };
  return { log, warnings };
}

describe('stop sequences', () => {
  it("sends each role's stop list (the evolver's by default), none when it is empty", async () => {
    const s = await server(false);
    const llm = client({ config: llmConfig(s.url, { roles: { judge: { stop: ['\n\n'] } } }) });
    await llm.complete('evolver', ask('e'));
    await llm.complete('responder', ask('r'));
    await llm.complete('judge', ask('j'));
    expect(s.seen.map((b) => b.stop)).toEqual([
      ['#The Given Prompt#', '#Given Prompt#', '\n#Rewritten Prompt#', '\n#Created Prompt#'],
      undefined,
      ['\n\n'],
    ]);
  });

  it('keys the cache by the stop list', async () => {
    const s = await server(false);
    const dir = cacheDir();
    const first = client({ config: llmConfig(s.url, { cache: { enabled: true, dir } }) });
    await first.complete('responder', ask('x'));
    await first.close();
    const same = await client({ config: llmConfig(s.url, { cache: { enabled: true, dir } }) }).complete('responder', ask('x'));
    const other = await client({
      config: llmConfig(s.url, { cache: { enabled: true, dir }, roles: { responder: { stop: ['END'] } } }),
    }).complete('responder', ask('x'));
    expect([same.cached, other.cached]).toEqual([true, false]);
    expect(s.seen).toHaveLength(2);
  });

  it('sends a per-call seed only when one is given, and keys the cache by it', async () => {
    const s = await server(false);
    const dir = cacheDir();
    const llm = client({ config: llmConfig(s.url, { cache: { enabled: true, dir } }) });
    await llm.complete('responder', ask('x'));
    await llm.complete('responder', ask('x'), { seed: 7 });
    await llm.complete('responder', ask('x'), { seed: 8 });
    const again = await llm.complete('responder', ask('x'), { seed: 7 });
    expect(s.seen.map((b) => b.seed)).toEqual([undefined, 7, 8]);
    expect(again.cached).toBe(true);
  });

  it('asks again without stop when the endpoint refuses it, remembers that for the endpoint, and says so once', async () => {
    const s = await server(true);
    const { log, warnings } = logger();
    const llm = client({ config: llmConfig(s.url), logger: log });
    const first = await llm.complete('evolver', ask('one'));
    const second = await llm.complete('evolver', ask('two'));
    expect([first.text, second.text]).toEqual(['ok', 'ok']);
    expect(s.seen.map((b) => [b.messages[0]?.content, b.stop !== undefined])).toEqual([
      ['one', true],
      ['one', false],
      ['two', false],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refused the stop parameter.*llm\.roles\.evolver\.stop/);
    expect(llm.usage()).toMatchObject({ retries: 0, errors: 0 });
  });

  it('against the simulator: stop cuts the answer; an endpoint that refuses stop still answers, uncut', async () => {
    for (const acceptsStop of [true, false]) {
      const sim = await startSimulator({ acceptsStop });
      cleanups.push(() => sim.close());
      const { log, warnings } = logger();
      const llm = client({ config: llmConfig(sim.url, { roles: { responder: { stop: ['clear'] } } }), logger: log });
      const answer = await llm.complete('responder', ask('Describe the water cycle in detail.'));
      expect(answer.text.startsWith(acceptsStop ? 'Here is a ' : 'Here is a clear answer')).toBe(true);
      expect(answer.text.length > 'Here is a '.length).toBe(!acceptsStop);
      expect(answer.finishReason).toBe('stop');
      expect(warnings).toHaveLength(acceptsStop ? 0 : 1);
      expect(sim.stats().byStatus).toEqual(acceptsStop ? { 200: 1 } : { 200: 1, 400: 1 });
    }
  });
});
