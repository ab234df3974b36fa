// Admission control for LLM requests: a FIFO concurrency semaphore and sliding-window
// requests-per-minute / tokens-per-minute limits, both on an injectable clock; waits that a stop
// can cancel.

/** Time as the client sees it; tests inject a virtual clock. */
export interface Clock {
  now(): number;
  /**
   * Resolves after `ms`. When `signal` aborts first, a clock may end the wait early (the default
   * one clears its timer and rejects with the signal's reason); one that ignores the signal (a
   * test's fake clock) still works, since the client does not wait for it after a cancel.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock's sleep: a timer, cleared when `signal` aborts (so a cancelled hour-long wait holds nothing). */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A counting semaphore: at most `limit` holders, waiters served first come, first served. */
export interface Semaphore {
  /** Take a slot; rejects with the cancel error once `cancel` was called (waiting or not). */
  acquire(): Promise<void>;
  release(): void;
  /** Reject every waiter, and every later `acquire`, with `error`; holders keep their slots until they release them. */
  cancel(error: Error): void;
  /** Holders right now. */
  readonly active: number;
}

export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  let cancelled: Error | undefined;
  const waiters: { resolve(): void; reject(error: Error): void }[] = [];
  return {
    get active() {
      return active;
    },
    acquire() {
      if (cancelled) return Promise.reject(cancelled);
      if (active < limit) {
        active += 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    release() {
      const next = waiters.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next.resolve();
      else active -= 1;
    },
    cancel(error) {
      cancelled ??= error;
      for (const waiter of waiters.splice(0)) waiter.reject(cancelled);
    },
  };
}

/** Handed out per admitted request: corrects the tokens charged up front once usage is known. */
export interface RateTicket {
  settle(tokens: number): void;
}

/**
 * Requests- and tokens-per-minute limits over a sliding window: in any window of `windowMs`, at
 * most `rpm` requests are admitted and at most `tpm` tokens are charged (0 = no limit). This is
 * stricter than a provider's continuously refilled bucket of the same size, so it never trips one.
 */
export interface RateLimiter {
  /** Wait (in arrival order) until one more request charging `tokens` fits, then record it. */
  admit(tokens: number): Promise<RateTicket>;
  /**
   * Admit nothing before the time `until` (the endpoint said it is saturated). The wait is a
   * `clock.sleep`, so a clock whose sleeps a stop cancels ends it (admit then rejects).
   */
  pauseUntil(until: number): void;
}

export interface RateLimiterOptions {
  rpm: number;
  tpm: number;
  clock: Clock;
  /** Defaults to one minute. */
  windowMs?: number;
}

interface Entry {
  at: number;
  tokens: number;
  live: boolean;
}

const NO_TICKET: RateTicket = { settle() {} };

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { rpm, tpm, clock } = options;
  const windowMs = options.windowMs ?? 60_000;
  const entries: Entry[] = [];
  let head = 0;
  let tokensInWindow = 0;
  let pausedUntil = -Infinity;
  let gate: Promise<unknown> = Promise.resolve();

  const prune = (now: number) => {
    while (head < entries.length && (entries[head] as Entry).at + windowMs <= now) {
      const entry = entries[head] as Entry;
      entry.live = false;
      tokensInWindow -= entry.tokens;
      head += 1;
    }
    if (head > 1024 && head * 2 > entries.length) {
      entries.splice(0, head);
      head = 0;
    }
  };

  /** How long until a request charging `charge` fits; 0 when it fits now. */
  const waitFor = (now: number, charge: number): number => {
    let wait = 0;
    const live = entries.length - head;
    if (rpm > 0 && live >= rpm) wait = (entries[head + live - rpm] as Entry).at + windowMs - now;
    if (tpm > 0 && tokensInWindow + charge > tpm) {
      let freed = 0;
      for (let i = head; i < entries.length; i += 1) {
        const entry = entries[i] as Entry;
        freed += entry.tokens;
        if (tokensInWindow - freed + charge <= tpm) {
          wait = Math.max(wait, entry.at + windowMs - now);
          break;
        }
      }
    }
    return wait;
  };

  const admitNow = async (tokens: number): Promise<RateTicket> => {
    // A single request larger than the whole budget waits for an empty window instead of forever.
    const charge = tpm > 0 ? Math.min(tokens, tpm) : tokens;
    for (;;) {
      const now = clock.now();
      if (now < pausedUntil) {
        await clock.sleep(pausedUntil - now);
        continue;
      }
      prune(now);
      const wait = waitFor(now, charge);
      if (wait <= 0) {
        const entry: Entry = { at: now, tokens: charge, live: true };
        entries.push(entry);
        tokensInWindow += charge;
        return {
          settle(actual: number) {
            if (entry.live) tokensInWindow += actual - entry.tokens;
            entry.tokens = actual;
          },
        };
      }
      await clock.sleep(wait);
    }
  };

  return {
    admit(tokens) {
      if (rpm <= 0 && tpm <= 0 && clock.now() >= pausedUntil) return Promise.resolve(NO_TICKET);
      const turn = gate.then(() => admitNow(tokens));
      gate = turn.catch(() => undefined);
      return turn;
    },
    pauseUntil(until) {
      pausedUntil = Math.max(pausedUntil, until);
    },
  };
}
