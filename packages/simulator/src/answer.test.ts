// Responder and judge answers: sizes, JSON when asked, never a refusal; the two judges.
import { describe, expect, it } from 'vitest';
import { seededRandom, words } from '@evolflow/core';
import { judgeDifficulty, judgeEqual, respond, wantsJson } from './answer.ts';
import { recognise } from './brain.ts';
import { selfInstructSeeds } from './test-helpers.ts';

describe('responder', () => {
  it('answers 2-4x the instruction (at least 30 words), relevant, deterministic, never sorry', () => {
    for (const [i, seed] of selfInstructSeeds().entries()) {
      const text = seed.input ? `${seed.instruction}\n\nInput:\n${seed.input}` : seed.instruction;
      const a = respond(text, seededRandom(7, i));
      expect(a).toBe(respond(text, seededRandom(7, i)));
      const n = words(a).length;
      const m = words(text).length;
      expect(n).toBeGreaterThanOrEqual(Math.max(30, Math.min(2 * m, 600)));
      expect(n).toBeLessThanOrEqual(Math.max(30, Math.min(4 * m, 600)) + (a.includes('```') ? 60 : 25)); // plus a demanded block
      expect(a).not.toMatch(/\bsorry\b/i);
    }
  });

  it('answers in valid JSON when the instruction asks for JSON', () => {
    for (const ask of [
      'List three fruits. Respond with a JSON object.',
      'Answer in JSON: which planets have rings?',
      'Return the result as JSON.',
    ]) {
      expect(wantsJson(ask)).toBe(true);
      expect(() => JSON.parse(respond(ask, seededRandom(1)))).not.toThrow();
    }
    expect(wantsJson('Explain what JSON is.')).toBe(false);
  });

  it('answers with a fenced block of the format the instruction demands', () => {
    const py = respond('Write a Python function that merges two sorted lists.', seededRandom(2));
    expect(py).toMatch(/```python\nitems = \[[\s\S]*\n```/);
    const table = respond('Compare three rivers and present the result as a Markdown table.', seededRandom(3));
    expect(table).toMatch(/```markdown\n\| name \| category \| amount \|/);
    expect(respond('Explain how rivers form.', seededRandom(4))).not.toContain('```');
  });
});

describe('judges', () => {
  it('equality: Equal for at most 2 new content words, Not Equal for real growth', () => {
    expect(judgeEqual('Explain how tides work.', 'Please explain how tides work.')).toBe('Equal');
    expect(judgeEqual('Explain how tides work.', 'Explain how tides work near coastal harbours during storms.')).toBe('Not Equal');
    const rec = recognise(
      'Two instructions.\nThe First Prompt: Name a color.\nThe Second Prompt: Name a color\nwith two lines.\nYour judgement (Equal or Not Equal):',
    );
    expect(rec).toMatchObject({ role: 'judge', judge: 'equality', text: 'Name a color.', second: 'Name a color\nwith two lines.' });
  });

  it('difficulty: 1-10, growing with length, constraints, reasoning and formats', () => {
    const base = 'Name a color.';
    const harder = `${base} Your answer must stay under 50 words and avoid primary colors.`;
    const hardest = `${harder} Reason step by step and justify each choice.\n\n\`\`\`json\n{"palette": ["teal"]}\n\`\`\``;
    const scores = [base, harder, hardest].map(judgeDifficulty);
    expect(scores[0]).toBeGreaterThanOrEqual(1);
    expect(scores[0]).toBeLessThan(scores[1] as number);
    expect(scores[1]).toBeLessThan(scores[2] as number);
    expect(scores[2]).toBeLessThanOrEqual(10);
    const rec = recognise(
      `Rate the difficulty of this instruction from 1 to 10; answer with a number only.\n#Instruction#:\n${base}\n\nRating:`,
    );
    expect(rec).toMatchObject({ role: 'judge', judge: 'difficulty', text: base });
    const code = 'Fix this:\n# a comment line\nrate = 3';
    expect(recognise(`Rate the difficulty from 1 to 10. Answer with a number only.\n\n#Instruction#: ${code}`)).toMatchObject({
      judge: 'difficulty',
      text: code,
    });
  });
});
