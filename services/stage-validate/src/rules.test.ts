import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { cheapRules } from './rules.ts';

const cfg = DEFAULT_CONFIG.validate;
const parent = 'Write a short poem about autumn leaves.';

describe('cheapRules', () => {
  it('rejects prompt meta words with the matched text', () => {
    expect(cheapRules('#Rewritten Prompt#: Write a sonnet about autumn leaves in iambic pentameter.', parent, cfg)?.reason).toBe('meta-copy');
    expect(cheapRules('Rewrite the given prompt so that it mentions maple trees and frost.', parent, cfg)?.detail).toMatch(/given prompt/);
  });

  it('rejects an unchanged rewrite, ignoring case and punctuation', () => {
    expect(cheapRules('write a SHORT poem, about autumn leaves', parent, cfg)?.reason).toBe('unchanged');
  });

  it('enforces the word budget and the length cap', () => {
    const long = `${parent} ${'and more words '.repeat(50)}`;
    expect(cheapRules(long, parent, { ...cfg, maxAddedWords: 100 })?.reason).toBe('word-budget');
    expect(cheapRules(long, parent, { ...cfg, maxAddedWords: 1000, maxWords: 50 })?.reason).toBe('too-long');
  });

  it('counts the word budget on prose, not on fenced data blocks', () => {
    const data = `${parent} Use this data:\n\`\`\`json\n${JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, name: `leaf ${i}` })))}\n\`\`\``;
    expect(cheapRules(data, parent, { ...cfg, maxAddedWords: 20 })).toBeUndefined();
    expect(cheapRules(data, parent, { ...cfg, maxAddedWords: 20, maxWords: 100 })?.reason).toBe('too-long');
  });

  it('passes a real evolution', () => {
    expect(cheapRules('Write a short poem about autumn leaves that uses an ABAB rhyme scheme and mentions frost.', parent, cfg)).toBeUndefined();
  });

  it('treats near-identical rewrites as unchanged when a similarity threshold is set', () => {
    expect(cheapRules('Write a short poem about autumn leaves, please.', parent, { ...cfg, unchangedSimilarity: 0.8 })?.reason).toBe('unchanged');
    expect(cheapRules('Write a short poem about autumn leaves, please.', parent, cfg)).toBeUndefined();
  });
});
