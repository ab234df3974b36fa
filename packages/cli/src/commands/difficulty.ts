// `evolflow difficulty --in FILE.jsonl`: one difficulty score per input line, from the offline
// estimator (default) or the LLM judge (--judge), so either can be scored against human labels.
import { readFileSync } from 'node:fs';
import { EvolflowError, loadConfig } from '@evolflow/core';
import { difficultyJudgeMessages, parseDifficulty } from '@evolflow/judge';
import { estimateDifficulty } from '@evolflow/mixer';
import { CONFIG_FLAGS, flagsToOverrides, setupLlm } from '@evolflow/runtime';
import { parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: evolflow difficulty --in FILE.jsonl [--field instruction] [--judge] [--use-round]
                           [--llm sim|openai] [--base-url URL] [--config FILE]

Prints one difficulty score (1-10) per input line, in input order. A line is a JSON object whose
--field (default instruction; a list such as vicuna's "turns" gives its first item) holds the
text, or plain text. Lines with no text print an empty line. The offline estimator is the default;
--judge asks the judge model (rate 1-10, number only) and prints an empty line when its answer holds
no number. --use-round adds the record's "round" to the estimate, as the mix stage does.`;

/** The text and round of one input line, or null when it has none. */
export function lineText(line: string, field: string): { text: string; round: number } | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  if (!trimmed.startsWith('{')) return { text: trimmed, round: 0 };
  const value = JSON.parse(trimmed) as Record<string, unknown>;
  let v: unknown = field.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), value);
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string' || v.trim() === '') return null;
  return { text: v, round: typeof value.round === 'number' ? value.round : 0 };
}

export const difficultyCommand: Command = {
  name: 'difficulty',
  summary: 'print a difficulty score (1-10) per line of a JSONL file (offline estimate, or --judge)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAGS, in: { type: 'string' }, field: { type: 'string' }, judge: { type: 'boolean' }, 'use-round': { type: 'boolean' } });
    if (values.in === undefined) {
      process.stderr.write(`evolflow difficulty: --in is required\n\n${USAGE}\n`);
      return 2;
    }
    const field = values.field ?? 'instruction';
    let content: string;
    try {
      content = readFileSync(values.in === '-' ? 0 : values.in, 'utf8');
    } catch (cause) {
      throw new EvolflowError('input', `difficulty: cannot read ${values.in}: ${(cause as Error).message}`, { cause });
    }
    const lines = content.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const items = lines.map((line, i) => {
      try {
        return lineText(line, field);
      } catch (cause) {
        throw new EvolflowError('input', `difficulty: ${values.in}:${i + 1}: not JSON (${(cause as Error).message}); fix the line`, { cause });
      }
    });
    items.forEach((item, i) => {
      if (item === null) process.stderr.write(`difficulty: ${values.in}:${i + 1}: no text in field "${field}"\n`);
    });
    if (!values.judge) {
      const out = items.map((item) => (item === null ? '' : String(estimateDifficulty(item.text, values['use-round'] ? { round: item.round } : {}))));
      process.stdout.write(out.map((l) => `${l}\n`).join(''));
      return 0;
    }
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: flagsToOverrides(values) });
    const setup = await setupLlm(config);
    try {
      const scores = await Promise.all(
        items.map(async (item, i) => {
          if (item === null) return '';
          const answer = await setup.llm.complete('judge', difficultyJudgeMessages(item.text), { recordId: `${values.in}:${i + 1}`, temperature: 0 });
          const score = parseDifficulty(answer.text);
          if (score === null) process.stderr.write(`difficulty: ${values.in}:${i + 1}: the judge answered no number: ${JSON.stringify(answer.text.slice(0, 80))}\n`);
          return score === null ? '' : String(score);
        }),
      );
      process.stdout.write(scores.map((l) => `${l}\n`).join(''));
    } finally {
      await setup.close();
    }
    return 0;
  },
};
