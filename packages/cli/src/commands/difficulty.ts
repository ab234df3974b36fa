// `evolflow difficulty --in FILE`: one difficulty score per input line, from the offline
// estimator (default) or the LLM judge (--judge), so either can be scored against human labels.
// Reads every output format evolflow writes (Alpaca, ShareGPT, OpenAI messages; JSONL or Parquet,
// or an output folder) as well as plain text and any JSON lines with --field.
import { EvolflowError, loadConfig } from '@evolflow/core';
import { difficultyJudgeMessages, parseDifficulty } from '@evolflow/judge';
import { estimateDifficulty } from '@evolflow/mixer';
import { flagsToOverrides, setupLlm } from '@evolflow/runtime';
import { UsageError, type Args } from '../command.ts';
import { datasetFileOf, readDatasetRows, someLines } from '../dataset-rows.ts';
import type { DIFFICULTY_OPTIONS } from './options.ts';

/** The text and round of one input line, or null when it has none. */
export function lineText(line: string, field: string): { text: string; round: number } | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  if (!trimmed.startsWith('{')) return { text: trimmed, round: 0 };
  return valueText(JSON.parse(trimmed) as unknown, field);
}

/**
 * The text and round of one parsed row: `field` (a dotted path; a list gives its first item), or,
 * for the default field, the user turn of a ShareGPT (`conversations`) or OpenAI (`messages`) row.
 * The round comes from the row's `round`, else its `metadata.round` (evolflow's metadata field).
 */
export function valueText(value: unknown, field: string): { text: string; round: number } | null {
  if (typeof value === 'string') return value.trim() === '' ? null : { text: value.trim(), round: 0 };
  if (value === null || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  let v: unknown = field
    .split('.')
    .reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
  if (Array.isArray(v)) v = v[0];
  if (v === undefined && field === 'instruction' && (Array.isArray(o.conversations) || Array.isArray(o.messages))) {
    v = chatUserTurn(o);
  }
  if (typeof v !== 'string' || v.trim() === '') return null;
  let meta = o.metadata;
  if (typeof meta === 'string') {
    try {
      meta = JSON.parse(meta) as unknown;
    } catch {
      meta = undefined;
    }
  }
  const round =
    typeof o.round === 'number'
      ? o.round
      : typeof (meta as { round?: unknown } | undefined)?.round === 'number'
        ? (meta as { round: number }).round
        : 0;
  return { text: v, round };
}

/** The first user turn of a ShareGPT or OpenAI messages row. */
function chatUserTurn(o: Record<string, unknown>): string | undefined {
  const turns = (o.conversations ?? o.messages) as { from?: unknown; value?: unknown; role?: unknown; content?: unknown }[];
  const user = turns.find((t) => t?.from === 'human' || t?.from === 'user' || t?.role === 'user');
  const text = user?.value ?? user?.content;
  return typeof text === 'string' ? text : undefined;
}

/** `evolflow difficulty`: the options are parsed and checked against DIFFICULTY_OPTIONS already. */
export async function run({ values }: Args<typeof DIFFICULTY_OPTIONS>): Promise<number> {
  if (values.in === undefined) {
    throw new UsageError(`difficulty: --in is required`);
  }
  const field = values.field ?? 'instruction';
  let file = values.in;
  let rows;
  try {
    file = values.in === '-' ? '-' : datasetFileOf(values.in);
    rows = await readDatasetRows(file);
  } catch (cause) {
    throw new EvolflowError('input', `difficulty: ${(cause as Error).message}`, { cause });
  }
  const items = rows.map((r) => valueText(r.value, field));
  // One summary line for the rows without text, not one warning per row.
  const missing = rows.filter((_, i) => items[i] === null).map((r) => r.line);
  if (rows.length > 0 && missing.length === rows.length) {
    throw new EvolflowError(
      'input',
      `difficulty: no line of ${file} has text in field "${field}"; name the field that holds the text with --field (Alpaca, ShareGPT and OpenAI messages rows, JSONL or Parquet, are read as they are)`,
    );
  }
  if (missing.length > 0)
    process.stderr.write(
      `difficulty: ${missing.length} of ${rows.length} lines of ${file} have no text in field "${field}" (lines ${someLines(missing)}); they print an empty line\n`,
    );
  if (!values.judge) {
    const out = items.map((item) =>
      item === null ? '' : String(estimateDifficulty(item.text, values['use-round'] ? { round: item.round } : {})),
    );
    process.stdout.write(out.map((l) => `${l}\n`).join(''));
    return 0;
  }
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: flagsToOverrides(values) });
  const setup = await setupLlm(config);
  try {
    const scores = await Promise.all(
      items.map(async (item, i) => {
        if (item === null) return '';
        const answer = await setup.llm.complete('judge', difficultyJudgeMessages(item.text), {
          recordId: `${file}:${rows[i]?.line ?? i + 1}`,
          temperature: 0,
        });
        const score = parseDifficulty(answer.text);
        if (score === null)
          process.stderr.write(
            `difficulty: ${file}:${rows[i]?.line ?? i + 1}: the judge answered no number: ${JSON.stringify(answer.text.slice(0, 80))}\n`,
          );
        return score === null ? '' : String(score);
      }),
    );
    process.stdout.write(scores.map((l) => `${l}\n`).join(''));
  } finally {
    await setup.close();
  }
  return 0;
}
