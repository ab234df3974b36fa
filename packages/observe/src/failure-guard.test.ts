import { describe, expect, it } from 'vitest';
import { createFailureGuard, MIN_SAMPLES, percentBeside, percentEdge, tooFewSamples } from './failure-guard.ts';

const options = { strategies: ['a', 'b'], band: { low: 0.1, high: 0.5 }, window: 20, adaptive: false, minWeight: 0.05 };

describe('failure guard', () => {
  it('says nothing until the window has enough samples', () => {
    const guard = createFailureGuard(options);
    for (let i = 0; i < MIN_SAMPLES - 1; i++) expect(guard.record('a', false, 'sorry')).toBeUndefined();
    expect(guard.health().a).toMatchObject({ rate: undefined, samples: MIN_SAMPLES - 1, state: 'unknown', failed: MIN_SAMPLES - 1 });
  });

  it('alerts once when a strategy goes above the band, with its reasons, and again when it comes back', () => {
    const guard = createFailureGuard(options);
    const alerts = [];
    for (let i = 0; i < 20; i++) {
      const a = guard.record('a', i % 5 === 0, i % 2 ? 'sorry' : 'too-short');
      if (a) alerts.push(a);
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ strategy: 'a', state: 'too-high', rate: 0.8, samples: 20 });
    expect(alerts[0]?.reasons).toEqual([
      { reason: 'sorry', n: 8 },
      { reason: 'too-short', n: 8 },
    ]);
    // Successes push the oldest entries out of the 20-wide window: back in band (45%, a tenth inside the
    // edge) after 9, 25% after 14.
    const back = [];
    for (let i = 0; i < 14; i++) {
      const a = guard.record('a', true);
      if (a) back.push(a);
    }
    expect(back.map((a) => a.state)).toEqual(['in-band']);
    expect(guard.health().a?.rate).toBeCloseTo(0.25);
  });

  it('warns when a strategy fails too rarely, once enough evolutions rule out chance', () => {
    // Band low 10%: 30 evolutions (3 / 0.1) are needed; 20 clean ones are what a 10% rate shows 12% of the time.
    expect(tooFewSamples(0.1)).toBe(30);
    expect(tooFewSamples(0.02)).toBe(150);
    const guard = createFailureGuard(options);
    let alert;
    for (let i = 0; i < 29; i++) alert = guard.record('b', true) ?? alert;
    expect(alert).toBeUndefined();
    expect(guard.health().b).toMatchObject({ state: 'in-band', rate: 0, samples: 20 });
    alert = guard.record('b', true);
    expect(alert).toMatchObject({ strategy: 'b', state: 'too-low', rate: 0, samples: 30, failed: 0 });
    expect(guard.health().b).toMatchObject({ state: 'too-low', judged: { rate: 0, samples: 30, failed: 0 } });
  });

  it('never judges too few failures when told not to (the simulator)', () => {
    const guard = createFailureGuard({ ...options, judgeTooFew: false });
    const alerts = [];
    for (let i = 0; i < 500; i++) {
      const a = guard.record('b', true);
      if (a) alerts.push(a);
    }
    expect(alerts).toEqual([]);
    expect(guard.health().b?.state).toBe('in-band');
    // Too many failures still count.
    for (let i = 0; i < 20; i++) guard.record('b', false, 'sorry');
    expect(guard.health().b?.state).toBe('too-high');
  });

  it('prints a rate so it never reads the same as the band edge', () => {
    expect(percentBeside(0.0198, 0.02)).toBe('1.98%');
    expect(percentBeside(0.01999, 0.02)).toBe('1.999%');
    expect(percentBeside(0.5001, 0.5)).toBe('50.01%');
    expect(percentBeside(0, 0.02)).toBe('0.0%');
    expect(percentBeside(0.8, 0.5)).toBe('80.0%');
    expect(percentEdge(0.02)).toBe('2%');
    expect(percentEdge(0.125)).toBe('12.5%');
  });

  it('down-weights a failing strategy only when adaptive, never below minWeight', () => {
    const off = createFailureGuard({ ...options, baseWeights: { b: 2 } });
    const on = createFailureGuard({ ...options, adaptive: true, baseWeights: { b: 2 } });
    for (const g of [off, on])
      for (let i = 0; i < 20; i++) {
        g.record('a', i % 5 === 0, 'sorry');
        g.record('b', i % 4 !== 0, 'sorry');
      }
    expect(off.weights()).toEqual({ a: 1, b: 2 });
    // a fails 80%: (1 - 0.8) / (1 - 0.5) = 0.4; b fails 25%, in band, keeps its weight.
    expect(on.weights().a).toBeCloseTo(0.4);
    expect(on.weights().b).toBe(2);
    const floor = createFailureGuard({ ...options, adaptive: true, minWeight: 0.3 });
    for (let i = 0; i < 20; i++) floor.record('a', false, 'sorry');
    expect(floor.weights().a).toBeCloseTo(0.3);
  });
});
