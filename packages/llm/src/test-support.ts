// Test helpers shared by this package's tests: config, a client on a virtual or manual clock,
// polling, and cleanup. Not exported from the package.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { DEFAULT_CONFIG, EvolflowError, mergeDeep, type ChatMessage, type Config } from '@evolflow/core';
import { createLlmClient, type LlmClient, type LlmClientOptions, type LlmEvent } from './client.ts';

/** Run after each test, last registered first. */
export const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Listen on a free local port, closed (connections and all) after the test; returns the OpenAI-style base URL. */
export async function listenForTest(http: Server): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`;
}

export type LlmConfig = Config['llm'];

export function llmConfig(url: string, over: unknown = {}): LlmConfig {
  const base = mergeDeep(structuredClone(DEFAULT_CONFIG.llm), {
    baseUrl: url,
    cache: { enabled: false },
    backoffBaseMs: 10,
    backoffMaxMs: 100,
  });
  return mergeDeep(base, over);
}

/**
 * A clock the test moves by hand: sleepers wake only on `advance`, so everything admitted before
 * has time to reach the server and be stamped with the right time.
 */
export function manualClock() {
  let t = 0;
  let timers: { at: number; wake: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((wake) => timers.push({ at: t + ms, wake })),
    sleeping: () => timers.length,
    advance(ms: number) {
      t += ms;
      const due = timers.filter((x) => x.at <= t);
      timers = timers.filter((x) => x.at > t);
      for (const x of due) x.wake();
    },
  };
}

/** Poll until `cond` holds (the condition, not the time, is what tests assert). */
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(cond()).toBe(true);
}

type VirtualClock = Pick<ReturnType<typeof virtualClock>, 'now' | 'sleep'>;

/**
 * A client on a virtual clock (sleeps are recorded and jump time forward instead of waiting),
 * with its events collected.
 */
export function client(
  options: Omit<LlmClientOptions, 'config' | 'now' | 'sleep'> & { config: LlmConfig; clock?: VirtualClock; onSleep?(ms: number): void },
): LlmClient & { events: LlmEvent[]; sleeps: number[] } {
  const { clock = virtualClock(), onSleep, ...rest } = options;
  const events: LlmEvent[] = [];
  const sleeps: number[] = [];
  const c = createLlmClient({
    ...rest,
    now: clock.now,
    sleep: (ms) => {
      sleeps.push(ms);
      onSleep?.(ms);
      return clock.sleep(ms);
    },
    onEvent: (e) => {
      events.push(e);
      rest.onEvent?.(e);
    },
  });
  cleanups.push(() => c.close());
  return Object.assign(c, { events, sleeps });
}

export const ask = (text: string): ChatMessage[] => [{ role: 'user', content: text }];

export async function failure(p: Promise<unknown>): Promise<EvolflowError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(EvolflowError);
    return error as EvolflowError;
  }
  throw new Error('expected the call to fail');
}

/** A virtual clock for rate limits: sleeping jumps time to the wake-up time. */
export function virtualClock() {
  let t = 0;
  return {
    now: () => t,
    sleep: (ms: number) => {
      const wake = t + ms;
      return Promise.resolve().then(() => {
        t = Math.max(t, wake);
      });
    },
  };
}

/** A fresh cache folder, removed after the test. */
export function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evolflow-llm-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'cache');
}
