// The mutation strategy: in-breadth prompt shape, parsing, loading by name.
import { describe, expect, it } from 'vitest';
import { loadStrategy, type EvolRecord, type StrategyContext } from '@evolflow/core';
import factory from './index.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const ctx: StrategyContext = { random: () => 0.3, options: {}, logger };
const parent: EvolRecord = {
  id: 's-1',
  seedId: 's-1',
  parentId: null,
  round: 0,
  instruction: 'Write a haiku about autumn.',
  lineage: [],
  checks: [],
  usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
};

describe('strategy mutation', () => {
  const strategy = factory({});

  it('asks a prompt creator for a rarer prompt of the same domain', () => {
    expect(strategy.name).toBe('mutation');
    expect(strategy.kind).toBe('breadth');
    const { messages, format } = strategy.prompt({ ...parent, input: 'Season: late October' }, ctx);
    expect(format).toBeUndefined();
    const content = messages[0]?.content ?? '';
    expect(content).toContain('You are a prompt creator.');
    expect(content).toContain('same domain but be rarer');
    expect(content).toContain('#Given Prompt#:\nWrite a haiku about autumn.\n\nSeason: late October\n\n#Created Prompt#:');
  });

  it('parses: trims, strips wrapping quotes and a leading framing, keeps meta elsewhere for validate', () => {
    expect(strategy.parse('\u201cWrite a tanka about frost.\u201d', ctx)).toEqual({ instruction: 'Write a tanka about frost.' });
    expect(strategy.parse('#Created Prompt#: Write a tanka about frost.', ctx)).toEqual({ instruction: 'Write a tanka about frost.' });
    // The framings a real SmolLM2 mutation run produced (issue 11), and the Chinese ones.
    expect(strategy.parse('The new prompt is: Write a tanka about frost.', ctx)).toEqual({ instruction: 'Write a tanka about frost.' });
    expect(strategy.parse('Your prompt:\n"Write a tanka about frost."', ctx)).toEqual({ instruction: 'Write a tanka about frost.' });
    expect(strategy.parse('Here is a brand-new prompt in the same domain:\nWrite a tanka about frost.', ctx)).toEqual({
      instruction: 'Write a tanka about frost.',
    });
    expect(strategy.parse('新创建的提示：写一首关于霜的短歌。', ctx)).toEqual({ instruction: '写一首关于霜的短歌。' });
    expect(strategy.parse('Write a tanka about frost. This prompt belongs to the same domain as the given one.', ctx)).toEqual({
      instruction: 'Write a tanka about frost. This prompt belongs to the same domain as the given one.',
    });
    expect(strategy.parse('#Created Prompt#: x #Given Prompt#', ctx)).toEqual({ instruction: '#Created Prompt#: x #Given Prompt#' });
    expect(strategy.parse('\n', ctx)).toEqual({ error: 'empty evolver output' });
  });

  it('loads by its short name', async () => {
    expect((await loadStrategy('mutation')).kind).toBe('breadth');
  });
});
