// The failure-rate guard: per strategy, the share of its latest evolutions that ended rejected.
// Leaving the configured band is worth a warning (too high: prompt too hard or model too weak;
// too low: filters too loose). Too few failures is news only from a real endpoint (the simulator
// injects faults only when asked) and only over enough evolutions to tell a low rate from chance,
// so it is judged on every evolution of the strategy so far. With adaptive selection on, a strategy above the band gets a
// smaller weight, so the evolve stage picks it less often; it never drops below `minWeight`.

/** Where a strategy's rolling failure rate sits relative to the band. */
export type BandState = 'unknown' | 'in-band' | 'too-high' | 'too-low';

/** A strategy's rolling failure rate crossed a band edge. */
export interface FailureAlert {
  strategy: string;
  state: Exclude<BandState, 'unknown'>;
  /** Failure rate, 0..1: over the window (too high, back in band), over every evolution so far (too low). */
  rate: number;
  /** Evolutions the rate is computed over. */
  samples: number;
  /** Of those, failed. */
  failed: number;
  band: { low: number; high: number };
  /** Reject reasons in the window, most frequent first. */
  reasons: { reason: string; n: number }[];
  /** The strategy's selection weight after this change. */
  weight: number;
}

export interface StrategyHealth {
  /** Rolling failure rate over the window (undefined until judged). */
  rate: number | undefined;
  samples: number;
  /** What the state was judged on: the window, or every evolution so far for `too-low`. */
  judged: { rate: number; samples: number; failed: number } | undefined;
  state: BandState;
  weight: number;
  /** Every ended evolution of the strategy so far (not only the window). */
  ok: number;
  failed: number;
}

export interface FailureGuardOptions {
  strategies: readonly string[];
  /** Configured weights (`strategies.weights`); a strategy missing here weighs 1. */
  baseWeights?: Readonly<Record<string, number>>;
  band: { low: number; high: number };
  window: number;
  adaptive: boolean;
  minWeight: number;
  /**
   * Judge "too few failures" at all (default true). False against the simulator, which fails only
   * when faults are configured: a clean simulated run failing nothing is expected, not suspicious.
   */
  judgeTooFew?: boolean;
}

export interface FailureGuard {
  /** Record one ended evolution of `strategy`; returns an alert when the strategy changed band. */
  record(strategy: string, ok: boolean, reason?: string): FailureAlert | undefined;
  health(): Readonly<Record<string, StrategyHealth>>;
  /** One strategy's rolling failure rate (undefined until judged) and current weight. */
  of(strategy: string): { rate: number | undefined; weight: number };
  /** Current selection weights (base weights, scaled down for failing strategies when adaptive). */
  weights(): Readonly<Record<string, number>>;
}

interface Track {
  ring: (string | null)[];
  next: number;
  ok: number;
  failed: number;
  state: BandState;
}

/** Rolling rates are judged once this many evolutions (or the whole window, if smaller) have ended. */
export const MIN_SAMPLES = 20;

/**
 * Evolutions needed before a failure rate below `low` counts as too low: with no failure in n
 * evolutions the 95% upper bound of the true rate is about 3/n (rule of three), so below 3/low a
 * clean streak is what a strategy failing at exactly `low` shows by chance (2%: 150).
 */
export function tooFewSamples(low: number): number {
  return low <= 0 ? Number.POSITIVE_INFINITY : Math.max(MIN_SAMPLES, Math.ceil(3 / low));
}

/**
 * A rate as a percentage printed with enough decimals that it never reads the same as the band
 * edge it is compared with (1.96% against 2%, never "2.0% (below 2.0%)").
 */
export function percentBeside(rate: number, edge: number): string {
  const plain = (x: number, d: number) => `${(x * 100).toFixed(d)}%`;
  for (let d = 1; d <= 4; d++) if (rate === edge || plain(rate, d) !== plain(edge, d)) return plain(rate, d);
  return plain(rate, 6);
}

/** The band edge as written in config (2%, 50%, 12.5%). */
export const percentEdge = (edge: number): string => `${Number((edge * 100).toFixed(4))}%`;

export function createFailureGuard(options: FailureGuardOptions): FailureGuard {
  const { band, window } = options;
  const tracks = new Map<string, Track>();
  const track = (strategy: string): Track => {
    let t = tracks.get(strategy);
    if (!t) tracks.set(strategy, (t = { ring: [], next: 0, ok: 0, failed: 0, state: 'unknown' }));
    return t;
  };
  for (const s of options.strategies) track(s);
  const judgeTooFew = options.judgeTooFew ?? true;
  const lowSamples = tooFewSamples(band.low);

  const rateOf = (t: Track): number | undefined => {
    if (t.ring.length < Math.min(window, MIN_SAMPLES)) return undefined;
    return t.ring.filter((r) => r !== null).length / t.ring.length;
  };
  const base = (s: string) => options.baseWeights?.[s] ?? 1;
  const weightOf = (s: string, t: Track): number => {
    const rate = rateOf(t);
    if (!options.adaptive || rate === undefined || rate <= band.high || band.high >= 1) return base(s);
    return base(s) * Math.max(options.minWeight, (1 - rate) / (1 - band.high));
  };
  /** Every evolution so far, when there are enough to call a low rate too low. */
  const lifetimeOf = (t: Track) => {
    const samples = t.ok + t.failed;
    return judgeTooFew && samples >= lowSamples ? { rate: t.failed / samples, samples, failed: t.failed } : undefined;
  };
  // Hysteresis: once out of band, a strategy counts as back only a tenth of the edge inside it, so a
  // rate hovering at the edge does not warn on every evolution.
  const stateOf = (t: Track, was: BandState): BandState => {
    const rate = rateOf(t);
    if (rate === undefined) return 'unknown';
    if (rate > band.high) return 'too-high';
    if (was === 'too-high' && rate > band.high * 0.9) return 'too-high';
    const life = lifetimeOf(t);
    if (life && life.rate < band.low) return 'too-low';
    if (life && was === 'too-low' && life.rate < band.low * 1.1) return 'too-low';
    return 'in-band';
  };
  /** The numbers a state is judged on. */
  const judgedOf = (t: Track, state: BandState) => {
    if (state === 'too-low') return lifetimeOf(t);
    const rate = rateOf(t);
    return rate === undefined ? undefined : { rate, samples: t.ring.length, failed: t.ring.filter((r) => r !== null).length };
  };

  return {
    record(strategy, ok, reason) {
      const t = track(strategy);
      const entry = ok ? null : (reason ?? 'unknown');
      if (t.ring.length < window) t.ring.push(entry);
      else t.ring[t.next] = entry;
      t.next = (t.next + 1) % window;
      if (ok) t.ok++;
      else t.failed++;
      const state = stateOf(t, t.state);
      const judged = judgedOf(t, state);
      if (state === t.state || state === 'unknown' || judged === undefined) return undefined;
      const was = t.state;
      t.state = state;
      // Entering the band from "not yet judged" is no news.
      if (state === 'in-band' && was === 'unknown') return undefined;
      const counts = new Map<string, number>();
      for (const r of t.ring) if (r !== null) counts.set(r, (counts.get(r) ?? 0) + 1);
      const reasons = [...counts].map(([r, n]) => ({ reason: r, n })).sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason));
      return { strategy, state, ...judged, band: { ...band }, reasons, weight: weightOf(strategy, t) };
    },
    health() {
      const out: Record<string, StrategyHealth> = {};
      for (const [s, t] of tracks)
        out[s] = {
          rate: rateOf(t),
          samples: t.ring.length,
          judged: judgedOf(t, t.state),
          state: t.state,
          weight: weightOf(s, t),
          ok: t.ok,
          failed: t.failed,
        };
      return out;
    },
    of(strategy) {
      const t = track(strategy);
      return { rate: rateOf(t), weight: weightOf(strategy, t) };
    },
    weights() {
      const out: Record<string, number> = {};
      for (const [s, t] of tracks) out[s] = weightOf(s, t);
      return Object.freeze(out);
    },
  };
}
