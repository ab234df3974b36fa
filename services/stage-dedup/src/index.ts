// @evolflow/stage-dedup: keep the first of near-duplicates, streaming.
export { createDedupStage as create, createDedupStage, dedupText } from './handler.ts';
export type { DedupStage } from './handler.ts';
export { attachChangelog } from './changelog.ts';
export type { Changelog } from './changelog.ts';
