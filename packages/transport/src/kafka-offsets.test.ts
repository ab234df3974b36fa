import { describe, expect, it } from 'vitest';
import { allCaughtUp, committableOffset, groupLag, worstLag, type CommittedOffsets, type EndOffsets } from './kafka-offsets.ts';

const ends = (...highs: number[]): EndOffsets => new Map(highs.map((h, p) => [p, { low: '0', high: String(h) }]));
const committed = (topic: string, ...offsets: number[]): CommittedOffsets =>
  new Map([[topic, new Map(offsets.map((o, p) => [p, String(o)]))]]);

describe('committableOffset', () => {
  it('is the lowest offset still in flight, whatever the completion order', () => {
    expect(committableOffset(10n, [7n, 5n, 9n])).toBe(5n);
    expect(committableOffset(10n, [9n])).toBe(9n);
  });
  it('is the next offset to start when nothing is in flight', () => {
    expect(committableOffset(10n, [])).toBe(10n);
  });
});

describe('drained and backlog from offsets', () => {
  it('counts what a group has not committed, from the start when it never committed', () => {
    expect(groupLag(committed('a', 3, 5), 'a', ends(3, 7))).toBe(2);
    expect(groupLag(committed('a', -1, 7), 'a', ends(3, 7))).toBe(3);
    expect(groupLag(undefined, 'a', ends(3, 0))).toBe(3);
    expect(groupLag(undefined, 'a', ends(0, 0))).toBe(0);
  });
  it('is caught up only when every group is at the end of every topic it consumes', () => {
    const groups = [
      { group: 'g1', topics: ['a'] },
      { group: 'g2', topics: ['a', 'b'] },
    ];
    const allEnds = new Map([
      ['a', ends(2, 2)],
      ['b', ends(1)],
    ]);
    const c = new Map<string, CommittedOffsets>([
      ['g1', committed('a', 2, 2)],
      [
        'g2',
        new Map([
          [
            'a',
            new Map([
              [0, '2'],
              [1, '2'],
            ]),
          ],
          ['b', new Map([[0, '0']])],
        ]),
      ],
    ]);
    expect(allCaughtUp(groups, c, allEnds)).toBe(false);
    expect(worstLag(groups, c, { topic: 'b', ends: ends(1) })).toBe(1);
    expect(worstLag(groups, c, { topic: 'a', ends: ends(2, 2) })).toBe(0);
    c.set(
      'g2',
      new Map([
        [
          'a',
          new Map([
            [0, '2'],
            [1, '2'],
          ]),
        ],
        ['b', new Map([[0, '1']])],
      ]),
    );
    expect(allCaughtUp(groups, c, allEnds)).toBe(true);
    expect(allCaughtUp(groups, c, new Map([['a', ends(2, 2)]]))).toBe(false);
  });
});
