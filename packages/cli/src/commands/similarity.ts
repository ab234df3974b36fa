// `evolflow similarity --pairs FILE.tsv --text-a COL --text-b COL`: cosine similarity of each pair with the
// dedup embedder, one per line, so anyone can calibrate dedup.threshold on their own labelled pairs.
import { readFileSync } from 'node:fs';
import { EvolflowError, loadConfig, type Config } from '@evolflow/core';
import { createEmbedder, pullModel, type EmbedderVariant } from '@evolflow/dedup';
import { UsageError, type Args } from '../command.ts';
import type { SIMILARITY_OPTIONS } from './options.ts';

/** Resolve a column flag to a 0-based index; names need a header line. */
function column(flag: string, value: string, header: string[]): number {
  if (/^\d+$/.test(value)) return Number(value) - 1;
  const i = header.indexOf(value);
  if (i < 0) throw new EvolflowError('input', `similarity: --${flag} ${value}: no such column in the header (${header.join(', ')})`);
  return i;
}

/** Load the configured embedder, fetching the model first when the cache lacks it. */
export async function configuredEmbedder(config: Readonly<Config>, over: { model?: string | undefined; variant?: string | undefined }) {
  const model = over.model ?? config.dedup.model;
  const variant = (over.variant ?? config.dedup.variant) as EmbedderVariant;
  await pullModel({ modelDir: config.dedup.modelDir, model, variants: [variant], log: (line) => process.stderr.write(`${line}\n`) });
  return createEmbedder({ modelDir: config.dedup.modelDir, model, variant });
}

/** `evolflow similarity`: the options are parsed and checked against SIMILARITY_OPTIONS already. */
export async function run({ values }: Args<typeof SIMILARITY_OPTIONS>): Promise<number> {
  if (values.pairs === undefined || values['text-a'] === undefined || values['text-b'] === undefined) {
    throw new UsageError(`similarity: --pairs, --text-a and --text-b are required`);
  }
  let text: string;
  try {
    text = readFileSync(values.pairs, 'utf8');
  } catch (cause) {
    throw new EvolflowError('input', `similarity: cannot read ${values.pairs}: ${(cause as Error).message}`, { cause });
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = (lines[0] ?? '').split('\t');
  const named = !/^\d+$/.test(values['text-a']) || !/^\d+$/.test(values['text-b']);
  const a = column('text-a', values['text-a'], header);
  const b = column('text-b', values['text-b'], header);
  const rows: { line: number; a: string; b: string }[] = [];
  lines.forEach((l, i) => {
    if ((named && i === 0) || l.trim() === '') return;
    const cols = l.split('\t');
    if (cols[a] === undefined || cols[b] === undefined)
      throw new EvolflowError('input', `similarity: ${values.pairs}:${i + 1} has ${cols.length} columns, needs ${Math.max(a, b) + 1}`, {
        details: { file: values.pairs, line: i + 1 },
      });
    rows.push({ line: i + 1, a: cols[a], b: cols[b] });
  });
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const embedder = await configuredEmbedder(config, { model: values.model, variant: values.variant });
  try {
    const out: string[] = [];
    for (let i = 0; i < rows.length; i += 256) {
      const chunk = rows.slice(i, i + 256);
      const vectors = await embedder.embed(chunk.flatMap((r) => [r.a, r.b]));
      chunk.forEach((_, k) => {
        const x = vectors[2 * k] as Float32Array;
        const y = vectors[2 * k + 1] as Float32Array;
        out.push(x.reduce((s, v, d) => s + v * (y[d] as number), 0).toFixed(4));
      });
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await embedder.close();
  }
  return 0;
}
