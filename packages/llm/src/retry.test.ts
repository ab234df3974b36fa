import { describe, expect, it } from 'vitest';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { backoffDelay, classifyFailure, parseRetryAfter } from './retry.ts';

const headers = (h: Record<string, string>) => new Headers(h);

describe('parseRetryAfter', () => {
  const wallNow = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '1' }), wallNow)).toBe(1000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }), wallNow)).toBe(500);
    expect(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), wallNow)).toBe(3000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }), wallNow)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), wallNow)).toBe(1500);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, wallNow)).toBeUndefined();
    expect(parseRetryAfter(headers({}), wallNow)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), wallNow)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '-3' }), wallNow)).toBeUndefined();
  });
});

describe('classifyFailure', () => {
  it('retries 429, 408, 5xx, timeouts and connection errors, nothing else', () => {
    const api = (status: number, h: Record<string, string> = {}) => APIError.generate(status, { message: 'x' }, undefined, headers(h));
    expect(classifyFailure(api(429, { 'retry-after': '2' }), 0)).toMatchObject({ status: 429, reason: 'rate-limit', retryAfterMs: 2000 });
    expect(classifyFailure(api(408), 0)).toMatchObject({ status: 408, reason: 'timeout' });
    expect(classifyFailure(api(500), 0)).toMatchObject({ status: 500, reason: 'server-error' });
    expect(classifyFailure(api(503), 0)).toMatchObject({ status: 503, reason: 'server-error' });
    expect(classifyFailure(api(400), 0)).toMatchObject({ status: 400, reason: undefined });
    expect(classifyFailure(api(401), 0)).toMatchObject({ status: 401, reason: undefined });
    expect(classifyFailure(new APIConnectionTimeoutError(), 0)).toMatchObject({ status: 0, reason: 'timeout' });
    expect(classifyFailure(new APIConnectionError({ message: 'refused' }), 0)).toMatchObject({ status: 0, reason: 'connection' });
    expect(classifyFailure(new Error('bug'), 0)).toMatchObject({ status: 0, reason: undefined });
  });
});

describe('backoffDelay', () => {
  it('is full jitter under an exponential ceiling capped at maxMs', () => {
    const at = (retry: number, r: number) => backoffDelay({ retry, baseMs: 100, maxMs: 1000, random: () => r });
    expect([0, 1, 2, 3, 4, 5].map((n) => at(n, 0.5))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(at(3, 0)).toBe(0);
    expect(at(10, 0.999)).toBe(999);
  });
  it('never waits less than the endpoint asked', () => {
    expect(backoffDelay({ retry: 0, baseMs: 100, maxMs: 1000, random: () => 0.5, retryAfterMs: 1000 })).toBe(1000);
    expect(backoffDelay({ retry: 4, baseMs: 1000, maxMs: 20_000, random: () => 0.9, retryAfterMs: 1000 })).toBe(14_400);
  });
});
