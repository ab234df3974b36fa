import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { responseRules } from './rules.ts';

const cfg = DEFAULT_CONFIG.eliminate;

describe('responseRules', () => {
  it("applies the paper's rules with a reason code each", () => {
    expect(responseRules("Sorry, I can't help with that request.", cfg)?.reason).toBe('sorry');
    expect(responseRules('The, and of it; is.', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('...!?', cfg)?.reason).toBe('stopwords-only');
    expect(responseRules('Paris.', cfg)?.reason).toBe('too-short');
  });

  it('keeps a long answer that apologises in passing', () => {
    const long = `Sorry for the long answer. ${'Here is a detailed explanation of the topic with examples. '.repeat(12)}`;
    expect(responseRules(long, cfg)).toBeUndefined();
  });
});
