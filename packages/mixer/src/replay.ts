// The replay buffer: the original seeds the mixer blends back into every batch. Draws go without
// replacement until every seed has been used, then with replacement, flagged `repeated`. All
// choices come from the random source the caller passes, so the same history gives the same draws.
import type { EvolRecord } from '@evolflow/core';

/** One seed drawn for a batch. */
export interface ReplayDraw {
  record: EvolRecord;
  /** True when the seed had already been drawn before (the buffer was used up). */
  repeated: boolean;
}

export interface ReplayBuffer {
  /** Add a seed (ignored when its id is known already). */
  add(seed: EvolRecord): void;
  /** Draw `count` seeds, avoiding a seed twice in one draw when the buffer allows it. */
  draw(count: number, random: () => number): ReplayDraw[];
  /** Seeds held. */
  readonly size: number;
  /** Seeds not drawn yet. */
  readonly unused: number;
  /** Draws that repeated a seed. */
  readonly repeats: number;
}

/** A replay buffer; seeds added in the same order give the same draws for the same random source. */
export function createReplayBuffer(): ReplayBuffer {
  const all: EvolRecord[] = [];
  const known = new Set<string>();
  // Not drawn yet; removal swaps the last element into the hole, which is deterministic.
  const fresh: EvolRecord[] = [];
  let repeats = 0;
  return {
    add(seed) {
      if (known.has(seed.id)) return;
      known.add(seed.id);
      all.push(seed);
      fresh.push(seed);
    },
    draw(count, random) {
      const out: ReplayDraw[] = [];
      const inDraw = new Set<string>();
      for (let n = 0; n < count && all.length > 0; n++) {
        if (fresh.length > 0) {
          const i = Math.floor(random() * fresh.length);
          const record = fresh[i] as EvolRecord;
          fresh[i] = fresh[fresh.length - 1] as EvolRecord;
          fresh.pop();
          inDraw.add(record.id);
          out.push({ record, repeated: false });
          continue;
        }
        // Used up: draw with replacement, trying a few times to avoid a repeat inside one batch.
        let record = all[Math.floor(random() * all.length)] as EvolRecord;
        for (let tries = 0; tries < 8 && inDraw.has(record.id) && inDraw.size < all.length; tries++) {
          record = all[Math.floor(random() * all.length)] as EvolRecord;
        }
        inDraw.add(record.id);
        repeats++;
        out.push({ record, repeated: true });
      }
      return out;
    },
    get size() {
      return all.length;
    },
    get unused() {
      return fresh.length;
    },
    get repeats() {
      return repeats;
    },
  };
}
