import { describe, expect, it } from 'vitest';
import { createRateLimiter, createSemaphore, type Clock } from './limits.ts';

/** A virtual clock: sleeping jumps time forward to the wake-up time. */
function virtualClock(): Clock & { sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep(ms) {
      sleeps.push(ms);
      const wake = t + ms;
      return Promise.resolve().then(() => {
        t = Math.max(t, wake);
      });
    },
  };
}

describe('createSemaphore', () => {
  it('lets at most `limit` holders in and serves waiters in order', async () => {
    const slots = createSemaphore(2);
    const order: number[] = [];
    await slots.acquire();
    await slots.acquire();
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    expect(slots.active).toBe(2);
    slots.release();
    await third;
    expect(order).toEqual([3]);
    slots.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(slots.active).toBe(2);
    slots.release();
    slots.release();
    expect(slots.active).toBe(0);
  });
});

describe('createRateLimiter', () => {
  it('admits at most rpm requests in any window, in arrival order', async () => {
    const clock = virtualClock();
    const limiter = createRateLimiter({ rpm: 3, tpm: 0, clock });
    const times = await Promise.all(Array.from({ length: 8 }, () => limiter.admit(1).then(() => clock.now())));
    expect(times).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000, 120_000]);
  });

  it('charges tokens up front and settles them with the real count', async () => {
    const clock = virtualClock();
    const limiter = createRateLimiter({ rpm: 0, tpm: 100, clock });
    const a = await limiter.admit(60);
    // 60 + 60 > 100: the second would wait a whole window...
    a.settle(20);
    // ...but after settling the first at 20 tokens, 20 + 60 fits now.
    await limiter.admit(60);
    expect(clock.now()).toBe(0);
    await limiter.admit(60);
    expect(clock.now()).toBe(60_000);
  });

  it('admits a request larger than the whole budget once the window is empty', async () => {
    const clock = virtualClock();
    const limiter = createRateLimiter({ rpm: 0, tpm: 100, clock });
    await limiter.admit(30);
    await limiter.admit(500);
    expect(clock.now()).toBe(60_000);
  });

  it('holds everything back until a pause ends, even without limits', async () => {
    const clock = virtualClock();
    const limiter = createRateLimiter({ rpm: 0, tpm: 0, clock });
    limiter.pauseUntil(2_500);
    await limiter.admit(1);
    expect(clock.now()).toBe(2_500);
    await limiter.admit(1);
    expect(clock.sleeps).toEqual([2_500]);
  });
});
