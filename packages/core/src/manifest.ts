// The pipeline manifest: the ordered stages with the topics each consumes and produces.
// The Kafka topic setup, the in-memory wiring, the CLI and the end-to-end tests all read this list.
import type { StageName } from './record.ts';

/** Every topic of the pipeline. `rejected` and `dlq` are terminal sinks. */
export type TopicName =
  | 'seeds'
  | 'pool'
  | 'replay'
  | 'evolved'
  | 'validated'
  | 'responded'
  | 'verified'
  | 'accepted'
  | 'unique'
  | 'rejected'
  | 'curriculum'
  | 'dlq';

export interface StageSpec {
  readonly name: StageName;
  /** What the stage does, one line (the service README's first line says the same). */
  readonly summary: string;
  readonly consumes: readonly TopicName[];
  readonly produces: readonly TopicName[];
}

/** The stages in flow order. */
export const PIPELINE: readonly StageSpec[] = Object.freeze([
  { name: 'seed', summary: 'normalise seed files and the seeds topic into round-0 records', consumes: ['seeds'], produces: ['pool', 'replay', 'rejected'] },
  { name: 'evolve', summary: 'pick a strategy, call the evolver LLM, parse the rewritten instruction', consumes: ['pool'], produces: ['evolved', 'rejected', 'pool'] },
  { name: 'validate', summary: 'cheap checks before spending tokens: meta copy, unchanged, word budget, formats', consumes: ['evolved'], produces: ['validated', 'rejected', 'pool'] },
  { name: 'respond', summary: 'a fresh response to the evolved instruction', consumes: ['validated'], produces: ['responded', 'rejected', 'pool'] },
  { name: 'verify', summary: 'run code answers with their tests in a sandbox, cross-check math answers by majority', consumes: ['responded'], produces: ['verified', 'rejected', 'pool'] },
  { name: 'eliminate', summary: "the paper's elimination rules, a reason code per reject", consumes: ['verified'], produces: ['accepted', 'rejected', 'pool'] },
  { name: 'dedup', summary: 'exact hash then semantic near-duplicate check against everything kept', consumes: ['accepted', 'replay'], produces: ['unique', 'rejected', 'pool'] },
  { name: 'mix', summary: 'blend replayed seeds into curriculum batches and write the dataset', consumes: ['unique', 'replay'], produces: ['curriculum', 'rejected'] },
] satisfies StageSpec[]);

/** Every topic in a stable order (for topic creation). */
export const TOPICS: readonly TopicName[] = Object.freeze([
  'seeds', 'pool', 'replay', 'evolved', 'validated', 'responded', 'verified', 'accepted', 'unique', 'rejected', 'curriculum', 'dlq',
] satisfies TopicName[]);

/** The spec of one stage, or throws naming the unknown stage. */
export function stageSpec(name: string): StageSpec {
  const spec = PIPELINE.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown stage "${name}"; stages are: ${PIPELINE.map((s) => s.name).join(', ')}`);
  return spec;
}

/** The consumer group of a stage. */
export function stageGroup(prefix: string, stage: StageName): string {
  return `${prefix}${stage}`;
}
