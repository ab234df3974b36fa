// `evolflow dedup --in FILE.jsonl --out FILE.jsonl`: keep-first dedup of any JSONL file by one text field
// (exact normalised hash, then embedding nearest neighbour), printing kept and dropped counts.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { EvolflowError, loadConfig } from '@evolflow/core';
import { createDeduper, type DedupDecision } from '@evolflow/dedup';
import { UsageError, type Args } from '../command.ts';
import type { DEDUP_OPTIONS } from './options.ts';
import { configuredEmbedder } from './similarity.ts';

const fieldOf = (value: unknown, path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);

/** `evolflow dedup`: the options are parsed and checked against DEDUP_OPTIONS already. */
export async function run({ values }: Args<typeof DEDUP_OPTIONS>): Promise<number> {
  if (values.in === undefined || values.out === undefined) {
    throw new UsageError(`dedup: --in and --out are required`);
  }
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const threshold = values.threshold === undefined ? config.dedup.threshold : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1))
    throw new EvolflowError('config', `dedup: --threshold must be a number from 0 to 1, not "${values.threshold}"`);
  const mode = values.mode ?? config.dedup.mode;
  if (mode !== 'semantic' && mode !== 'exact') throw new EvolflowError('config', `dedup: --mode must be semantic or exact, not "${mode}"`);
  const field = values.field ?? 'instruction';
  const path = field.split('.');

  let text: string;
  try {
    text = readFileSync(values.in, 'utf8');
  } catch (cause) {
    throw new EvolflowError('input', `dedup: cannot read ${values.in}: ${(cause as Error).message}`, { cause });
  }
  const rows: { line: number; raw: string; record: Record<string, unknown>; id: string; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(raw) as Record<string, unknown>;
    } catch (cause) {
      throw new EvolflowError('input', `dedup: ${values.in}:${i + 1} is not JSON: ${(cause as Error).message}`, {
        cause,
        details: { file: values.in, line: i + 1 },
      });
    }
    const value = fieldOf(record, path);
    if (typeof value !== 'string')
      throw new EvolflowError('input', `dedup: ${values.in}:${i + 1} has no string at "${field}"; choose the text with --field`, {
        details: { file: values.in, line: i + 1 },
      });
    rows.push({ line: i + 1, raw, record, id: typeof record.id === 'string' ? record.id : `line ${i + 1}`, text: value });
  });
  const ids = new Set(rows.map((r) => r.id));
  if (ids.size !== rows.length) rows.forEach((r) => (r.id = `line ${r.line}`));

  const embedder = mode === 'semantic' ? await configuredEmbedder(config, {}) : undefined;
  const deduper = await createDeduper({
    mode,
    threshold,
    modelDir: config.dedup.modelDir,
    model: config.dedup.model,
    hnsw: config.dedup.hnsw,
    ...(embedder ? { embedder } : {}),
  });
  const decisions: DedupDecision[] = [];
  try {
    // 64 in flight, as the dedup stage runs it: decisions still come out keep-first in file order.
    for (let i = 0; i < rows.length; i += 64)
      decisions.push(...(await Promise.all(rows.slice(i, i + 64).map((r) => deduper.decide(r.id, r.text)))));
  } finally {
    await deduper.close();
    await embedder?.close();
  }
  const out = openSync(values.out, 'w');
  const dropped = values.dropped === undefined ? null : openSync(values.dropped, 'w');
  let exact = 0;
  rows.forEach((r, i) => {
    const d = decisions[i] as DedupDecision;
    const line =
      values.annotate || d.duplicate
        ? JSON.stringify({ ...r.record, dedup: { nearestId: d.nearestId, similarity: Number(d.similarity.toFixed(4)) } })
        : r.raw;
    if (!d.duplicate) writeSync(out, `${values.annotate ? line : r.raw}\n`);
    else {
      if (d.exact) exact += 1;
      if (dropped !== null) writeSync(dropped, `${line}\n`);
    }
  });
  closeSync(out);
  if (dropped !== null) closeSync(dropped);
  const kept = decisions.filter((d) => !d.duplicate).length;
  process.stdout.write(
    `kept ${kept}, dropped ${rows.length - kept} (${exact} exact, ${rows.length - kept - exact} semantic at threshold ${threshold}) of ${rows.length} lines\n`,
  );
  return 0;
}
