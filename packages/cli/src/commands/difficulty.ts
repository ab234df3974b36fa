// `evolflow difficulty --in FILE.jsonl`: one difficulty score per input line, from the offline
// estimator (default) or the LLM judge (--judge), so either can be scored against human labels.
import { readFileSync } from 'node:fs';
import { EvolflowError, loadConfig } from '@evolflow/core';
import { difficultyJudgeMessages, parseDifficulty } from '@evolflow/judge';
import { estimateDifficulty } from '@evolflow/mixer';
import { flagsToOverrides, setupLlm } from '@evolflow/runtime';
import { UsageError, type Args } from '../command.ts';
import { boundCommand, type DIFFICULTY_OPTIONS } from './index.ts';

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

/** `evolflow difficulty` in-process, from its arguments. */
export const difficultyCommand = boundCommand('difficulty');

/** `evolflow difficulty`: the options are parsed and checked against DIFFICULTY_OPTIONS already. */
export async function run({ values }: Args<typeof DIFFICULTY_OPTIONS>): Promise<number> {
  if (values.in === undefined) {
    throw new UsageError(`difficulty: --in is required`);
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
}
