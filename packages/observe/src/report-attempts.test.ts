import { describe, expect, it } from 'vitest';
import { allAttemptTiles, runStateLine } from './report-html.ts';

describe('report: partial runs and the totals of every attempt', () => {
  it('marks a partial run with what stopped it and how to resume', () => {
    expect(runStateLine({ partial: true, stoppedBy: 'SIGINT', attempts: 1 })).toBe(
      'partial: stopped by SIGINT before every record was finished; run the same command again to resume',
    );
    expect(runStateLine({ partial: false, attempts: 1 })).toBe('complete');
    expect(runStateLine({ partial: false, attempts: 3 })).toBe('complete · attempt 3 (resumed)');
  });

  it('shows the calls, tokens and cost of all attempts once a run resumed', () => {
    const llmAllAttempts = { calls: 1234, promptTokens: 50_000, completionTokens: 25_000, costUsd: 0.0825 };
    expect(allAttemptTiles({ attempts: 1, llmAllAttempts })).toEqual([]);
    expect(allAttemptTiles({ attempts: 2, llmAllAttempts })).toEqual([
      ['LLM calls, all 2 attempts', '1,234'],
      ['tokens, all attempts', '75,000'],
      ['cost, all attempts', '$0.0825'],
    ]);
  });
});
