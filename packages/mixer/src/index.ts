// @evolflow/mixer: replay share, curriculum batches, difficulty, decontamination and SFT output writers.
export {
  estimateDifficulty,
  learnedDifficulty,
  ruleDifficulty,
  difficultyFeatures,
  explainDifficulty,
  DIFFICULTY_SIGNS,
} from './difficulty.ts';
export type { EstimateOptions, DifficultyFeatures } from './difficulty.ts';
export { featureVector, FEATURE_NAMES } from './difficulty-features.ts';
export type { FeatureName, FeatureVector } from './difficulty-features.ts';
export { fitDifficultyModel, featureRow, scoreRow, spearman } from './difficulty-fit.ts';
export type { DifficultyModel, LabelledInstruction, FitOptions } from './difficulty-fit.ts';
export { DIFFICULTY_MODEL, DIFFICULTY_MODEL_PROVENANCE } from './difficulty-model.ts';
export { createReplayBuffer } from './replay.ts';
export type { ReplayBuffer, ReplayDraw } from './replay.ts';
export { planBatches, createStreamMixer, orderEvolved, levelOf, curriculumCompare } from './batching.ts';
export type { BatchOptions, Batch, MixTally, StreamMixer } from './batching.ts';
export { DATASET_FORMATS, toRow, userTurn, metadataOf, formatLine, formatSchemas, datasetInfoEntry } from './formats.ts';
export type { DatasetFormat, DatasetRow, AlpacaRow, ShareGptRow, OpenAiRow, RecordMetadata } from './formats.ts';
export {
  loadEvalSets,
  evalSetSizes,
  contentTokens,
  createNgramDecontaminator,
  createEmbeddingDecontaminator,
  createDecontaminationSuite,
} from './decontaminate.ts';
export type {
  EvalItem,
  ContaminationVerdict,
  Decontaminator,
  DecontaminationTestName,
  NgramDecontaminatorOptions,
  EmbeddingDecontaminatorOptions,
  TextEmbedder,
  ContaminationMatch,
  DecontaminationResult,
  DecontaminationSuite,
} from './decontaminate.ts';
export { writeFileAtomic, openAtomicWriter } from './atomic.ts';
export type { AtomicWriter, AtomicWriterOptions } from './atomic.ts';
export { createShardWriter, readManifest, MANIFEST_FILE } from './shards.ts';
export type { ShardEntry, ShardManifest, ShardWriter, ShardWriterOptions } from './shards.ts';
export {
  writeDatasetFiles,
  datasetJsonl,
  parquetBytes,
  DATA_DIR,
  DATASET_FILE,
  PARQUET_FILE,
  METADATA_FILE,
  DATASET_INFO_FILE,
} from './dataset-files.ts';
export type { DatasetFilesOptions } from './dataset-files.ts';
export { summarize, detectSeedLicenses, datasetCard, sizeCategory, licenseOf } from './card.ts';
export type { MixSummary, CardOptions, CardProvenance } from './card.ts';
