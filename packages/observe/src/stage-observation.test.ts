import { describe, expect, it } from 'vitest';
import { freePort } from './testing.ts';
import { DEFAULT_CONFIG, mergeDeep, type Config, type Logger } from '@evolflow/core';
import { emptyStats } from '@evolflow/transport';
import { observeStage } from './stage-observation.ts';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('observeStage', () => {
  it('serves the stage metrics and a health that follows its life, and polls its input backlog', async () => {
    const port = await freePort();
    const config: Config = mergeDeep(structuredClone(DEFAULT_CONFIG), { observe: { metricsPort: port, adaptive: true } });
    const polled: string[] = [];
    const obs = await observeStage({ config, logger: quiet, stage: 'dedup', backlog: async (t) => (polled.push(t), 3), pollMs: 10 });
    try {
      const url = obs.observer.url as string;
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${url}/healthz`)).status).toBe(503); // not attached yet
      const stats = { ...emptyStats('dedup'), in: 5, inFlight: 2, retries: 1 };
      obs.attach(stats);
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
        ok: true,
        detail: { stage: 'dedup', state: 'running', in: 5, inFlight: 2 },
      });
      await new Promise((r) => setTimeout(r, 40));
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('evolflow_stage_in_flight{stage="dedup"} 2');
      expect(text).toContain('evolflow_stage_retries{stage="dedup"} 1');
      expect(text).toContain('evolflow_topic_backlog{topic="accepted"} 3');
      expect(new Set(polled)).toEqual(new Set(['accepted', 'replay']));
      expect(typeof obs.hooks.strategyWeights).toBe('function');
      obs.stopping();
      expect((await fetch(`${url}/healthz`)).status).toBe(503);
    } finally {
      await obs.close();
    }
  });
});
