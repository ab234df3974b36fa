// The embedding decontamination test through @evolflow/dedup, when semantic dedup is configured and
// that package (and its model) can be loaded; otherwise null, and the stage uses the n-gram test.
import type { Config, Logger } from '@evolflow/core';
import { createEmbeddingDecontaminator, type Decontaminator, type EmbeddingDeduper, type EvalItem } from '@evolflow/mixer';

type CreateDeduper = (options: { mode: 'semantic'; threshold: number; modelDir: string; model?: string }) => Promise<EmbeddingDeduper>;

/** A decontaminator on the dedup model and threshold, or null when it cannot be loaded. */
export async function embeddingDecontaminator(items: readonly EvalItem[], config: Readonly<Config>, logger: Logger): Promise<Decontaminator | null> {
  // An optional package: imported by a computed name so the stage works without it.
  const name = ['@evolflow', 'dedup'].join('/');
  try {
    const mod = (await import(name)) as { createDeduper?: CreateDeduper };
    if (typeof mod.createDeduper !== 'function') throw new Error(`${name} has no createDeduper export`);
    const deduper = await mod.createDeduper({ mode: 'semantic', threshold: config.dedup.threshold, modelDir: config.dedup.modelDir, model: config.dedup.model });
    return await createEmbeddingDecontaminator({ items, deduper, threshold: config.dedup.threshold });
  } catch (err) {
    logger.warn(`mix: the embedding decontamination test is unavailable (${(err as Error).message}); using the n-gram test (mix.decontaminate.threshold, mix.decontaminate.ngram)`);
    return null;
  }
}
