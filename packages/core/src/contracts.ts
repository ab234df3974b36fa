// Plugin and stage contracts: what a strategy, a validator, a stage and an LLM caller look like.
// Plugins import only these types (and `defineStrategy` / `defineValidator`) from @evolflow/core.
import type { StageName, TopicName } from './manifest.ts';
import type { EvolRecord, ReasonCode } from './record.ts';
import type { Config } from './config.ts';

/** A leveled logger; `obj` carries structured fields such as `recordId`. */
export interface Logger {
  debug(msg: string, obj?: Record<string, unknown>): void;
  info(msg: string, obj?: Record<string, unknown>): void;
  warn(msg: string, obj?: Record<string, unknown>): void;
  error(msg: string, obj?: Record<string, unknown>): void;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The three LLM roles; each can point at its own model. */
export type LlmRole = 'evolver' | 'responder' | 'judge';

export interface LlmCompletion {
  text: string;
  /** The completion id the endpoint gave (kept on the record for tracing). */
  id: string;
  promptTokens: number;
  completionTokens: number;
  /** True when the answer came from the response cache (no call was paid for). */
  cached: boolean;
  /** The endpoint's finish_reason; `length` means the answer was cut at maxTokens. */
  finishReason?: string;
}

export interface LlmRequestOptions {
  /** The record this call is for, for logs and usage accounting. */
  recordId?: string;
  temperature?: number;
  maxTokens?: number;
  /**
   * A sampling seed sent with the request (OpenAI's `seed`). Independent samples of one prompt
   * (the verify stage's math samples) each pass their own, so an endpoint that derives its seed
   * from the request (llama.cpp, evolflow's local server) still gives k different answers.
   */
  seed?: number;
}

/** What stages see of the LLM client. */
export interface LlmCaller {
  complete(role: LlmRole, messages: ChatMessage[], options?: LlmRequestOptions): Promise<LlmCompletion>;
}

// ---------------------------------------------------------------- strategies

/** Everything a strategy may use, handed in by the host. */
export interface StrategyContext {
  /** Deterministic random source for this evolution (seeded from run seed, record id and round). */
  random(): number;
  /** This strategy's options from the config (`strategies.options.<name>`). */
  options: Readonly<Record<string, unknown>>;
  logger: Logger;
}

/** The messages to send to the evolver, and the format asked for (complicate-input only). */
export interface EvolutionPrompt {
  messages: ChatMessage[];
  format?: string;
}

export type ParsedEvolution = { instruction: string; input?: string } | { error: string };

/**
 * An evolution strategy. `prompt` is called once per evolution, with the parent record, to build
 * the evolver's messages; `parse` is called with the evolver's raw answer and returns the new
 * instruction, or `{ error }` when the answer holds none.
 */
export interface Strategy {
  name: string;
  kind: 'depth' | 'breadth';
  /** Build the rewrite prompt from `parent` (read-only: it may be shared, deep-frozen, with other consumers). */
  prompt(parent: EvolRecord, ctx: StrategyContext): EvolutionPrompt;
  parse(output: string, ctx: StrategyContext): ParsedEvolution;
}

/** A strategy package default-exports a factory of this type. */
export type StrategyFactory = (options?: Readonly<Record<string, unknown>>) => Strategy;

/** Returns its argument; only for type inference in plugin packages. */
export function defineStrategy<T extends Strategy>(strategy: T): T {
  return strategy;
}

// ---------------------------------------------------------------- validators

/** Where a piece failed: a message and, when known, a 1-based line and column. */
export interface ValidationIssue {
  message: string;
  line?: number;
  column?: number;
}

export interface ValidationResult {
  ok: boolean;
  /** The concrete format checked (json, sql:sqlite, python...). */
  format: string;
  error?: ValidationIssue;
}

/** Hints a validator may use: the SQL dialect named in the instruction, a JSON Schema, a language. */
export interface ValidatorContext {
  instruction?: string;
  hints?: Readonly<Record<string, unknown>>;
}

/**
 * A format validator. `validate` is called once per extracted piece of text whose format is one
 * of `formats`; a failure is rejected with `reason`.
 */
export interface Validator {
  name: string;
  formats: readonly string[];
  reason: ReasonCode | (string & {});
  validate(text: string, ctx: ValidatorContext): ValidationResult | Promise<ValidationResult>;
}

export type ValidatorFactory = (options?: Readonly<Record<string, unknown>>) => Validator;

/** Returns its argument; only for type inference in validator packages. */
export function defineValidator<T extends Validator>(validator: T): T {
  return validator;
}

// ---------------------------------------------------------------- stages

/** A record a handler wants published, and where. */
export interface Emit {
  topic: TopicName;
  record: EvolRecord;
}

/**
 * A stage: a pure handler from one consumed record to the records it emits. The shared runStage
 * loop owns commits, retries, backpressure and dead letters; a handler only decides.
 */
export interface StageHandler<Ctx> {
  name: StageName;
  /**
   * Called once per consumed record; `from` is the topic it came from. The record is read-only (the
   * in-memory transport shares it, deep-frozen, with every consumer): emit new objects.
   */
  handle(record: EvolRecord, ctx: Ctx, from: TopicName): Promise<Emit[]> | Emit[];
  /**
   * Called when a finite run has drained: emit whatever the stage still holds (the mixer's batches).
   * May be a lazy iterable (a generator), read once, before `close()`: the host publishes it in
   * chunks, so a stage with a large output never holds it all at once.
   */
  flush?(ctx: Ctx): Promise<Iterable<Emit>> | Iterable<Emit>;
  /** Called once the stage's consumer has stopped: release what it holds (files, models), write a last snapshot. */
  close?(): Promise<void>;
}

/**
 * How a stage is built: every service's index exports one, named `create`; the all-in-one run and
 * the stage's own process (`serveStage`) both call it with the same env.
 */
export type StageFactory = (env: StageEnv) => Promise<StageHandler<unknown>>;

/** One entry of a state log: the latest value of a key wins (a compacted topic). */
export interface StateEntry {
  key: string;
  value: Buffer;
  /** Where it was read (topic, partition, offset), for error messages. */
  where: string;
}

/**
 * A stage's durable state as a compacted key/value log (with Kafka, the compacted topic
 * `<prefix><name>`; in memory, a map that lives as long as the transport). A stage appends what it
 * must not forget before the record that caused it is committed, and reads it all back at start.
 */
export interface StateLog {
  /** Append entries; resolves when they are durable (acknowledged by every in-sync replica). */
  append(entries: readonly { key: string; value: string | Buffer }[]): Promise<void>;
  /**
   * Call `onEntry` for every entry written before this call, oldest first per key; resolves with how
   * many. Kafka compacts lazily, so older values of a key may come before its latest: the last wins.
   */
  read(onEntry: (entry: StateEntry) => void): Promise<number>;
}

/** What every stage factory gets: the frozen config, a logger, the LLM, and where files go. */
export interface StageEnv {
  config: Readonly<Config>;
  logger: Logger;
  llm: LlmCaller;
  /** Folder relative plugin paths resolve from. */
  cwd: string;
  /** The run's output folder (the mixer writes the dataset there). */
  outDir: string;
  /** Current strategy weights when adaptive selection is on (the observer provides them). */
  strategyWeights?(): Readonly<Record<string, number>>;
  /** The transport's state log `name` (the dedup stage keeps its kept set in `dedup-changelog`). */
  stateLog?(name: StateLogName): StateLog;
}

/** The state logs the transports keep (each a compacted topic under the prefix with Kafka). */
export type StateLogName = 'dedup-changelog';
