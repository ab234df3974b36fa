// `evolflow verify --in FILE.jsonl [--out KEPT.jsonl] [--json]`: the verify stage's checks on an
// existing dataset (Alpaca, ShareGPT, OpenAI messages, any shape the seed reader takes): code
// answers run with their tests in the sandbox, math answers cross-checked by samples from the
// configured LLM. One verdict line per record; the kept lines, unchanged, to --out.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { EvolflowError, loadConfig, seedFields, type SeedFields } from '@evolflow/core';
import { flagsToOverrides, setupLlm, type LlmSetup } from '@evolflow/runtime';
import { createVerifier, type Verification } from '@evolflow/verify';
import { UsageError, type Args } from '../command.ts';
import type { VERIFY_OPTIONS } from './options.ts';

/** One input line's verdict, as --json prints it. */
export interface VerifyLine {
  line: number;
  id?: string;
  /** `ok` (kept), a verify reason code, or `skipped` (no response to check) / `unreadable` (not a record). */
  reason: string;
  verified: string;
  detail: string;
  kept: boolean;
}

/** Records read from `text`, line by line: the seed reader's fields, or why a line cannot be read. */
function readLines(file: string, text: string): { line: number; raw: string; fields?: SeedFields; id?: string; error?: string }[] {
  const out: { line: number; raw: string; fields?: SeedFields; id?: string; error?: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const value: unknown = JSON.parse(raw);
      const id =
        typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string'
          ? (value as { id: string }).id
          : undefined;
      out.push({ line: i + 1, raw, fields: seedFields(value), ...(id === undefined ? {} : { id }) });
    } catch (cause) {
      out.push({ line: i + 1, raw, error: `${file}:${i + 1}: ${(cause as Error).message}` });
    }
  });
  return out;
}

/** `evolflow verify`: the options are parsed and checked against VERIFY_OPTIONS already. */
export async function run({ values }: Args<typeof VERIFY_OPTIONS>): Promise<number> {
  if (values.in === undefined) throw new UsageError('verify: --in FILE.jsonl is required');
  let text: string;
  try {
    text = readFileSync(values.in === '-' ? 0 : values.in, 'utf8');
  } catch (cause) {
    throw new EvolflowError('input', `verify: cannot read ${values.in}: ${(cause as Error).message}`, { cause });
  }
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides: flagsToOverrides(values) });
  // The simulator knows nothing about the user's data: unless it is asked for by name (--llm sim),
  // a config left at the built-in provider means no LLM, and math is then reported as not checked.
  const useLlm = config.llm.provider !== 'sim' || config.llm.baseUrl !== '' || values.llm === 'sim';
  const setup: LlmSetup | undefined = useLlm ? await setupLlm(config) : undefined;
  const lines: VerifyLine[] = [];
  const out = values.out === undefined ? undefined : openSync(values.out, 'w');
  try {
    const verifier = await createVerifier({ config: config.verify, ...(setup ? { llm: setup.llm } : {}) });
    if (verifier.codeUnavailable !== undefined)
      process.stderr.write(`verify: code answers will NOT be run (reported as not run): ${verifier.codeUnavailable}\n`);
    for (const item of readLines(values.in, text)) {
      let v: VerifyLine;
      if (item.error !== undefined || !item.fields) {
        v = { line: item.line, reason: 'unreadable', verified: 'none', detail: item.error ?? 'not a record', kept: false };
      } else if (item.fields.response === undefined) {
        v = { line: item.line, reason: 'skipped', verified: 'none', detail: 'no response to check', kept: false };
      } else {
        const f = item.fields;
        const id = item.id ?? `${values.in}:${item.line}`;
        const r: Verification = await verifier.verify({ id, instruction: f.instruction, input: f.input, response: f.response ?? '' });
        v = { line: item.line, reason: r.reason, verified: r.verified, detail: r.detail, kept: r.reason === 'ok' };
      }
      if (item.id !== undefined) v.id = item.id;
      lines.push(v);
      if (out !== undefined && v.kept) writeSync(out, `${item.raw}\n`);
      process.stdout.write(
        values.json
          ? `${JSON.stringify(v)}\n`
          : `${values.in}:${v.line}${v.id ? ` ${v.id}` : ''}  ${v.reason}  ${v.verified}  ${v.detail}\n`,
      );
    }
  } finally {
    if (out !== undefined) closeSync(out);
    await setup?.close();
  }
  const tally = new Map<string, number>();
  for (const l of lines) if (!l.kept) tally.set(l.reason, (tally.get(l.reason) ?? 0) + 1);
  const kept = lines.filter((l) => l.kept).length;
  const unchecked = lines.filter((l) => l.detail.includes('math: not checked')).length;
  process.stderr.write(
    `verify: kept ${kept} of ${lines.length}${tally.size > 0 ? ` (${[...tally].map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}` +
      `${unchecked > 0 ? `; ${unchecked} math answer${unchecked === 1 ? '' : 's'} not checked: no LLM configured (--llm, --base-url or OPENAI_BASE_URL)` : ''}\n`,
  );
  return 0;
}
