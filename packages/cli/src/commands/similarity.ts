// `evolflow similarity --pairs FILE.tsv --text-a COL --text-b COL`: cosine similarity of each pair with the
// dedup embedder, one per line, so anyone can calibrate dedup.threshold on their own labelled pairs.
import { readFileSync } from 'node:fs';
import { EvolflowError, loadConfig, type Config } from '@evolflow/core';
import { createEmbedder, pullModel, type EmbedderVariant } from '@evolflow/dedup';
import { parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: evolflow similarity --pairs FILE.tsv --text-a COL --text-b COL [--model NAME]
                           [--variant quantized|fp32|int8] [--config FILE]

Prints the cosine similarity of the two texts on each line of a tab-separated file, one number per
line, in file order. COL is a 1-based column number, or a column name when the first line is a header
(for STS-B dev: --text-a 6 --text-b 7). The model comes from config dedup.model / dedup.variant and
is fetched into dedup.modelDir when missing.`;

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

export const similarityCommand: Command = {
  name: 'similarity',
  summary: 'print the embedding cosine similarity of text pairs in a TSV file (to calibrate dedup)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, {
      pairs: { type: 'string' }, 'text-a': { type: 'string' }, 'text-b': { type: 'string' },
      model: { type: 'string' }, variant: { type: 'string' }, config: { type: 'string' },
    });
    if (values.pairs === undefined || values['text-a'] === undefined || values['text-b'] === undefined) {
      process.stderr.write(`evolflow similarity: --pairs, --text-a and --text-b are required\n\n${USAGE}\n`);
      return 2;
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
      if (cols[a] === undefined || cols[b] === undefined) throw new EvolflowError('input', `similarity: ${values.pairs}:${i + 1} has ${cols.length} columns, needs ${Math.max(a, b) + 1}`, { details: { file: values.pairs, line: i + 1 } });
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
  },
};
