// The difficulty judge's prompt and the reading of its 1-10 answer (moved from @evolflow/mixer).
import { describe, expect, it } from 'vitest';
import { difficultyJudgeMessages, parseDifficulty } from './difficulty.ts';

describe('the difficulty judge', () => {
  it('asks for a 1-10 rating of the instruction, as a number only', () => {
    const messages = difficultyJudgeMessages('Sort a list of numbers.');
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m?.role).toBe('user');
    expect(m?.content).toMatch(/#Instruction#: Sort a list of numbers\.$/);
    expect(m?.content).toMatch(/rate the difficulty/i);
    expect(m?.content).toMatch(/from 1 to 10/);
    expect(m?.content).toMatch(/number only/);
  });

  it('parses the rating from the usual answers, and null from none', () => {
    const cases: [string, number | null][] = [
      ['7', 7],
      [' 8\n', 8],
      ['Score: 6.5', 6.5],
      ['8/10', 8],
      ['I would rate it 9 out of 10.', 9],
      ['10', 10],
      ['Difficulty (1-10): 4', 4],
      ['On a scale from 1 to 10, 3.', 3],
      ['It is 3.', 3],
      ['', null],
      ['hard', null],
      ['0', null],
      ['11', null],
      ['12 out of 10', null],
    ];
    for (const [text, expected] of cases) expect(parseDifficulty(text), text).toBe(expected);
  });
});
