// @evolflow/stage-seed: seed files and the seeds topic become round-0 records.
export { createSeedStage as create, createSeedStage } from './handler.ts';
export { readSeedFile, seedItem } from './seed-file.ts';
export { SeedFeed } from './feed.ts';
export type { SeedFeedOptions, SeedTopic } from './feed.ts';
export type { SeedItem, SeedFileOptions, SeedFilePosition } from './seed-file.ts';
