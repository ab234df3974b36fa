// The embedding decontamination test on a sentence embedder of @evolflow/dedup
// (`mix.decontaminate.embeddingModel` in `dedup.modelDir`). It runs whenever
// `mix.decontaminate.tests` names it, whatever `dedup.mode` is; when it cannot be loaded the stage
// fails to start (a configured test is never skipped in silence).
import { resolve } from 'node:path';
import { EvolflowError, type Config, type Logger } from '@evolflow/core';
import { createEmbeddingDecontaminator, type Decontaminator, type EvalItem, type TextEmbedder } from '@evolflow/mixer';

type DedupModule = {
  createEmbedder?: (options: { modelDir: string; model: string; variant: Config['dedup']['variant'] }) => Promise<TextEmbedder>;
  pullModel?: (options: {
    modelDir: string;
    model: string;
    variants: Config['dedup']['variant'][];
    log?: (line: string) => void;
  }) => Promise<unknown>;
};

/** The embedding test over `items`, on the configured model (pulled when missing; `dedup.modelDir` is relative to `cwd`). */
export async function embeddingDecontaminator(
  items: readonly EvalItem[],
  config: Readonly<Config>,
  env: { logger: Logger; cwd: string },
): Promise<Decontaminator> {
  const d = config.mix.decontaminate;
  const { logger } = env;
  const modelDir = resolve(env.cwd, config.dedup.modelDir);
  // An optional package: imported by a computed name so the stage works without it when the test is off.
  const name = ['@evolflow', 'dedup'].join('/');
  const model = d.embeddingModel;
  try {
    const mod = (await import(name)) as DedupModule;
    if (typeof mod.createEmbedder !== 'function' || typeof mod.pullModel !== 'function')
      throw new Error(`${name} has no createEmbedder / pullModel export`);
    await mod.pullModel({ modelDir, model, variants: [config.dedup.variant], log: (line) => logger.info(`mix: ${line}`) });
    const embedder = await mod.createEmbedder({ modelDir, model, variant: config.dedup.variant });
    return await createEmbeddingDecontaminator({ items, embedder, threshold: d.embeddingThreshold, model });
  } catch (cause) {
    throw new EvolflowError(
      'config',
      `mix.decontaminate.tests names "embedding" but its model ${model} (mix.decontaminate.embeddingModel, in dedup.modelDir ${modelDir}) cannot be loaded: ${(cause as Error).message}; run \`evolflow models pull --model ${model}\` or remove "embedding" from mix.decontaminate.tests`,
      { cause, details: { path: 'mix.decontaminate.tests' } },
    );
  }
}
