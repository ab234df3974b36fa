import { describe, expect, it } from 'vitest';
import { decodeKeptEntry, encodeKeptEntry } from './changelog.ts';

describe('changelog entries', () => {
  it('round-trip ids, hashes and vectors bit for bit', () => {
    const vector = Float32Array.from({ length: 384 }, (_, i) => Math.sin(i) / 10);
    const back = decodeKeptEntry(encodeKeptEntry({ id: 'r1', hash: 'ab', vector: vector.subarray(0) }));
    expect(back.id).toBe('r1');
    expect(back.hash).toBe('ab');
    expect(Array.from(back.vector ?? [])).toEqual(Array.from(vector));
    expect(decodeKeptEntry(Buffer.from(encodeKeptEntry({ id: 'x', hash: 'h' })))).toEqual({ id: 'x', hash: 'h' });
  });
  it('names the topic position of a bad message', () => {
    expect(() => decodeKeptEntry('nope', 'evolflow.dedup-changelog[0]@17')).toThrow(/dedup-changelog\[0\]@17: a message is not JSON/);
  });
});
