// @evolflow/dedup: streaming keep-first dedup (exact hash, then sentence embedding + HNSW nearest neighbour).
export { createDeduper, deduperOptionsFromConfig, textHash, DEFAULT_MODEL } from './deduper.ts';
export { createEmbedder, meanPoolNormalize } from './embedder.ts';
export { pullModel, modelPath, KNOWN_MODELS, VARIANT_FILES } from './models.ts';
export type { PullModelOptions, ModelSource } from './models.ts';
export { createVectorIndex, HNSW_DEFAULTS, MAX_LABEL } from './hnsw-index.ts';
export type { VectorIndex, VectorIndexOptions, Neighbour } from './hnsw-index.ts';
export type {
  DedupDecision, Deduper, DeduperOptions, Embedder, EmbedderOptions, EmbedderVariant, HnswOptions, KeptEntry,
} from './types.ts';
export { readStsPairs, evaluateAt, precisionRecallCurve, chooseThreshold } from './calibration.ts';
export type { LabelledPair, CurvePoint } from './calibration.ts';
export { embeddingLike } from './synthetic.ts';
export { encodeKeptEntry, decodeKeptEntry } from './changelog.ts';
