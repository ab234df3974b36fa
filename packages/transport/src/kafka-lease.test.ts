import { describe, expect, it } from 'vitest';
import { leaseHolder, type LeaseRecord } from './kafka-lease.ts';

/** A lease record: `owner kind at [claimOffset]`, e.g. `a beat 950 1`. */
const rec = (spec: string): LeaseRecord => {
  const [owner = '', kind, at, claimOffset] = spec.split(' ');
  return {
    kind: kind as LeaseRecord['kind'],
    owner,
    pid: owner.length,
    host: 'h',
    startedAt: '2026-01-01T00:00:00.000Z',
    command: '',
    at: Number(at),
    ttlMs: 1000,
    ...(claimOffset ? { claimOffset } : {}),
  };
};

describe('leaseHolder', () => {
  it('gives the lease to the live claim with the lowest offset, whoever reads the log', () => {
    const log = [
      { offset: '7', record: rec('a claim 100') },
      { offset: '8', record: rec('b claim 101') },
    ];
    expect(leaseHolder(log, 500)?.holder.owner).toBe('a');
  });

  it('keeps the holder by the offset of its claim when its beats come later than a rival claim', () => {
    const log = [
      { offset: '1', record: rec('a claim 100') },
      { offset: '2', record: rec('b claim 900') },
      { offset: '3', record: rec('a beat 950 1') },
    ];
    expect(leaseHolder(log, 1000)?.holder.owner).toBe('a');
  });

  it('skips released and lapsed holders, listing the lapsed ones', () => {
    const log = [
      { offset: '1', record: rec('dead claim 100') },
      { offset: '2', record: rec('gone claim 200') },
      { offset: '3', record: rec('gone release 300 2') },
      { offset: '4', record: rec('next claim 2000') },
    ];
    const state = leaseHolder(log, 2100);
    expect(state?.holder.owner).toBe('next');
    expect(state?.expired.map((r) => r.owner)).toEqual(['dead']);
    expect(leaseHolder(log.slice(0, 3), 2100)).toBeNull();
  });
});
