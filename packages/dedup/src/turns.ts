// Call-order turns: work may start concurrently, but each caller's critical section runs in call order.

/** A caller's place in line: await `ready`, do the critical section, then `release` (always). */
export interface Turn {
  ready: Promise<void>;
  release(): void;
}

export interface TurnQueue {
  /** Take the next turn; call synchronously at the start of an operation to fix its order. */
  take(): Turn;
}

export function createTurnQueue(): TurnQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    take() {
      const ready = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => {
        release = resolve;
      });
      return { ready, release };
    },
  };
}
