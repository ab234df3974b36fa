// @evolflow/dedup: streaming keep-first dedup (exact hash, then sentence embedding + HNSW nearest neighbour).
export { createDeduper, deduperOptionsFromConfig, textHash, DEFAULT_MODEL } from './deduper.ts';
export { createEmbedder, meanPoolNormalize, clsPoolNormalize } from './embedder.ts';
export { pullModel, modelPath, modelProfile, fileSha256, KNOWN_MODELS, VARIANT_FILES } from './models.ts';
export type { PullModelOptions, ModelSource, Pooling } from './models.ts';
export { createVectorIndex, HNSW_DEFAULTS, MAX_LABEL } from './hnsw-index.ts';
export type { VectorIndex, VectorIndexOptions, Neighbour } from './hnsw-index.ts';
export type {
  DedupDecision,
  Deduper,
  DeduperOptions,
  Embedder,
  EmbedderOptions,
  EmbedderVariant,
  HnswOptions,
  KeptEntry,
} from './types.ts';
export {
  readStsPairs,
  readLabelledPairs,
  evaluateAt,
  precisionRecallCurve,
  chooseThreshold,
  bestRecallAtPrecision,
  precisionLowerBound,
  rocAuc,
  splitHalves,
  wordSet,
  wordJaccard,
  wordContainment,
} from './calibration.ts';
export type { LabelledPair, CurvePoint } from './calibration.ts';
export { embeddingLike } from './synthetic.ts';
export { encodeKeptEntry, decodeKeptEntry } from './changelog.ts';
