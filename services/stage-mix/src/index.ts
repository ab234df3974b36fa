// @evolflow/stage-mix: replayed seeds blended into curriculum batches; the dataset files for SFT trainers.
export { create, createMixStage, batchOptionsOf, CONTAMINATED_FILE } from './handler.ts';
export type { MixStage, MixStageOptions, MixStageStats } from './handler.ts';
export { openJournal, STATE_DIR } from './journal.ts';
export type { Journal, JournalEvent, ContaminationEntry } from './journal.ts';
