import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, type ProgressSnapshot } from './progress.ts';

const capture = () => {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
};

function fakeRun() {
  let t = 0;
  let done = 0;
  const snapshot = (): ProgressSnapshot => ({
    stages: [
      { stage: 'seed', in: 10, out: 10, rejected: 0, inFlight: 0 },
      { stage: 'evolve', in: done + 4, out: done, rejected: Math.floor(done / 10), inFlight: 4 },
    ],
    terminal: done,
    expected: 100,
    llm: {
      calls: done * 3,
      promptTokens: done * 1000,
      completionTokens: done * 500,
      byRole: { evolver: { promptTokens: done * 1000, completionTokens: done * 500 } },
    },
    elapsedMs: t,
  });
  return { snapshot, now: () => t, advance: (ms: number, n: number) => ((t += ms), (done += n)) };
}

describe('createProgress', () => {
  it('on a TTY draws one line per stage and a summary, with rates, cost and ETA, redrawn in place', () => {
    const out = capture();
    const run = fakeRun();
    const progress = createProgress({
      stream: out.stream,
      tty: true,
      snapshot: run.snapshot,
      now: run.now,
      pricing: { evolver: { pricePerMTokIn: 1, pricePerMTokOut: 2 } },
    });
    expect(progress.render().split('\n')).toHaveLength(3);
    run.advance(10_000, 40);
    const frame = progress.render().split('\n');
    expect(frame[0]).toMatch(/^seed {6}in {6}10 {2}out {6}10 {2}rejected {6}0 {2}in flight {4}0 {6}0\.0\/s$/);
    expect(frame[1]).toMatch(/^evolve .*in flight {4}4 {6}4\.4\/s$/);
    // 40 of 100 in 10 s: 60 more at 4/s is 15 s; 40k + 2*20k tokens = $0.08.
    expect(frame[2]).toBe('40.0% (40/100 done)  llm 120 calls  60,000 tok  ~$0.0800  elapsed 10s  ETA 15s');
    progress.start();
    run.advance(1000, 10);
    progress.stop();
    const text = out.text();
    expect(text.split('\x1b[3A\r')).toHaveLength(2); // the second frame moved up over the first
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('50.0% (50/100 done)');
  });

  it('shows weights, marks strategies out of band, and prints failure notes', () => {
    const run = fakeRun();
    const note = 'strategy mutation: 80.0% of its last 50 evolutions failed (above 50.0%)';
    const snap = () => ({ ...run.snapshot(), weights: { deepening: 1, mutation: 0.4 }, outOfBand: ['mutation'], notes: [note] });
    const progress = createProgress({ stream: capture().stream, tty: true, snapshot: snap });
    expect(progress.render().split('\n').slice(-2)).toEqual(['weights deepening 1.00  mutation 0.40!', `! ${note}`]);
    const plain = createProgress({ stream: capture().stream, tty: false, snapshot: snap });
    expect(plain.render().split('\n')).toEqual([
      expect.stringMatching(/ \| weights deepening 1\.00  mutation 0\.40!$/),
      `progress note: ${note}`,
    ]);
  });

  it('off a TTY prints plain lines without escape codes', () => {
    const out = capture();
    const run = fakeRun();
    const progress = createProgress({ stream: out.stream, snapshot: run.snapshot, now: run.now });
    progress.start();
    run.advance(2000, 100);
    progress.stop();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(out.text()).not.toContain('\x1b');
    expect(lines[1]).toBe(
      'progress 100.0% (100/100 done)  llm 300 calls  150,000 tok  elapsed 2s | seed 10+0r/10 | evolve 100+10r/104 (4 busy)',
    );
  });

  it('formats durations', () => {
    expect([formatDuration(900), formatDuration(61_000), formatDuration(3_725_000), formatDuration(Number.NaN)]).toEqual([
      '1s',
      '1m01s',
      '1h02m',
      '?',
    ]);
  });
});
