// The pipeline manifest: the one list of stages, each with the topics it consumes and produces.
// `StageName` and `TopicName` are read off it, the Kafka topics are created from it, the in-memory
// and Kafka wiring follow it, and the CLI finds each stage's service by its name
// (`@evolflow/stage-<name>`, whose index exports `create(env)`): adding a stage is a new service
// folder plus one entry here.

/** The stages in flow order (`as const`: the names and topics below are read off it). */
const STAGES = [
  {
    name: 'seed',
    summary: 'normalise seed files and the seeds topic into round-0 records',
    consumes: ['seeds'],
    produces: ['pool', 'replay', 'rejected'],
  },
  {
    name: 'evolve',
    summary: 'pick a strategy, call the evolver LLM, parse the rewritten instruction',
    consumes: ['pool'],
    produces: ['evolved', 'rejected', 'pool'],
  },
  {
    name: 'validate',
    summary: 'cheap checks before spending tokens: meta copy, unchanged, word budget, formats',
    consumes: ['evolved'],
    produces: ['validated', 'rejected', 'pool'],
  },
  {
    name: 'respond',
    summary: 'a fresh response to the evolved instruction',
    consumes: ['validated'],
    produces: ['responded', 'rejected', 'pool'],
  },
  {
    name: 'verify',
    summary: 'run code answers with their tests in a sandbox, cross-check math answers by majority',
    consumes: ['responded'],
    produces: ['verified', 'rejected', 'pool'],
  },
  {
    name: 'eliminate',
    summary: "the paper's elimination rules, a reason code per reject",
    consumes: ['verified'],
    produces: ['accepted', 'rejected', 'pool'],
  },
  {
    name: 'dedup',
    summary: 'exact hash then semantic near-duplicate check against everything kept',
    consumes: ['accepted', 'replay'],
    produces: ['unique', 'rejected', 'pool'],
  },
  {
    name: 'mix',
    summary: 'blend replayed seeds into curriculum batches and write the dataset',
    consumes: ['unique', 'replay'],
    produces: ['curriculum', 'rejected'],
  },
] as const;

/** The dead-letter topic: written by the shared runStage loop for any stage, not by a handler. */
export const DLQ = 'dlq';

/** Names of the stages, in pipeline order. */
export type StageName = (typeof STAGES)[number]['name'];

/** Every topic of the pipeline (`rejected`, `curriculum` and `dlq` are terminal sinks). */
export type TopicName = (typeof STAGES)[number]['consumes' | 'produces'][number] | typeof DLQ;

export interface StageSpec {
  readonly name: StageName;
  /** What the stage does, one line (the service README's first line says the same). */
  readonly summary: string;
  readonly consumes: readonly TopicName[];
  readonly produces: readonly TopicName[];
}

/** The stages in flow order. */
export const PIPELINE: readonly StageSpec[] = Object.freeze(STAGES);

/** Every topic in flow order (first consumed or produced), the dead-letter topic last: for topic creation. */
export const TOPICS: readonly TopicName[] = Object.freeze([
  ...new Set<TopicName>(PIPELINE.flatMap((s): TopicName[] => [...s.consumes, ...s.produces])),
  DLQ,
]);

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
