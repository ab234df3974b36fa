import { describe, expect, it } from 'vitest';
import { decodeMessage, seedFields } from './seed-format.ts';
import { recordProblems } from './record.ts';

describe('seedFields', () => {
  it('reads every supported seed shape', () => {
    expect(seedFields({ instruction: 'Do X', input: 'in', output: 'out' })).toEqual({
      instruction: 'Do X',
      input: 'in',
      response: 'out',
      format: 'alpaca',
    });
    expect(seedFields({ instruction: 'Do Y', instances: [{ input: '', output: 'ok' }] })).toEqual({
      instruction: 'Do Y',
      response: 'ok',
      format: 'self-instruct',
    });
    expect(
      seedFields({
        conversations: [
          { from: 'human', value: 'Hi?' },
          { from: 'gpt', value: 'Hello' },
        ],
      }),
    ).toEqual({ instruction: 'Hi?', response: 'Hello', format: 'sharegpt' });
    expect(
      seedFields({
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: 'A' },
        ],
      }),
    ).toEqual({ instruction: 'Q', response: 'A', format: 'openai' });
    expect(seedFields({ turns: ['Tell me a joke'] })).toEqual({ instruction: 'Tell me a joke', format: 'turns' });
    expect(seedFields('plain line')).toEqual({ instruction: 'plain line', format: 'text' });
  });

  it('says why a shape is not a seed', () => {
    expect(() => seedFields({ foo: 1 })).toThrow(/unknown seed shape \(keys: foo\)/);
    expect(() => seedFields([1, 2])).toThrow(/an array/);
  });
});

describe('decodeMessage', () => {
  it('accepts plain seed objects on the seeds topic only', () => {
    const rec = decodeMessage('seeds', JSON.stringify({ instruction: 'Write a haiku' }), { partition: 1, offset: '5' });
    expect(recordProblems(rec)).toEqual([]);
    expect(rec.round).toBe(0);
    expect(rec.seedId).toBe(rec.id);
    expect(() => decodeMessage('pool', JSON.stringify({ instruction: 'Write a haiku' }))).toThrow(/not a valid evolflow record/);
  });

  it('rejects bytes that are not JSON or not UTF-8', () => {
    expect(() => decodeMessage('seeds', 'not json')).toThrow(/not JSON/);
    expect(() => decodeMessage('seeds', new Uint8Array([0xff, 0xfe, 0x7b]))).toThrow();
  });
});
