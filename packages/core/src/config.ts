// The config: defaults, JSON Schema, and loading from `evolflow.config.yaml` plus environment
// variables. Parsed once at the edge into a frozen, typed object; a bad key fails with its path.
import { readFileSync, existsSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml, parseDocument } from 'yaml';
import { ConfigError } from './errors.ts';
import { expandPacks, PACK_NAMES, type StrategyPack } from './packs.ts';

export interface RoleConfig {
  model: string;
  temperature: number;
  maxTokens: number;
  /** Price in USD per million prompt / completion tokens (for cost estimates). */
  pricePerMTokIn: number;
  pricePerMTokOut: number;
  /** Role-specific endpoint; falls back to `llm.baseUrl`. */
  baseUrl?: string;
  /**
   * Stop sequences sent as the OpenAI `stop` parameter (at most 4, as OpenAI accepts); [] sends none.
   * An endpoint that answers 400 about `stop` is asked again without it, and never sent it again.
   */
  stop: string[];
}

/**
 * Values of `validate.sqlDialect`: `auto`, or a dialect of node-sql-parser (the same list as
 * `@evolflow/validators`' SQL_DIALECTS, which a test keeps equal).
 */
export const SQL_DIALECT_SETTINGS = [
  'auto',
  'mysql',
  'mariadb',
  'postgresql',
  'sqlite',
  'bigquery',
  'transactsql',
  'snowflake',
  'redshift',
  'hive',
  'db2',
  'athena',
  'trino',
  'flinksql',
] as const;
export type SqlDialectSetting = (typeof SQL_DIALECT_SETTINGS)[number];

export interface Config {
  run: {
    rounds: number;
    seed: number;
    outDir: string;
    format: 'alpaca' | 'sharegpt' | 'openai';
    /** Share of LLM requests (0..1) that may fail for good before the run counts as failed (exit code 5); 1 = never. */
    maxFailureRate: number;
    /** After the first SIGINT/SIGTERM, how long (ms) work in flight may take to finish before it is abandoned. */
    stopGraceMs: number;
    /** Stop the run early (exit code 4, partial outputs) once this many LLM requests in a row have failed for good; 0 = never. */
    failFastAfter: number;
  };
  llm: {
    /** sim: the simulator; openai: any OpenAI-compatible endpoint; local: a small real model run in this process (`llm.local`). */
    provider: 'sim' | 'openai' | 'local';
    baseUrl: string;
    apiKey: string;
    roles: { evolver: RoleConfig; responder: RoleConfig; judge: RoleConfig };
    concurrency: number;
    /** Requests and tokens per minute; 0 means no limit. */
    rpm: number;
    tpm: number;
    maxRetries: number;
    timeoutMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    /** Longest Retry-After (ms) honoured: an endpoint asking for more is retried after this long. */
    maxRetryAfterMs: number;
    /** `maxMB`: size limit of the response cache; past it the oldest answers are removed (0: no limit). */
    cache: { enabled: boolean; dir: string; maxMB: number };
    /** provider `local`: a GGUF (a known name such as smollm2-135m-instruct, fetched into `modelDir`, or a .gguf path) served on 127.0.0.1 by node-llama-cpp. */
    local: { model: string; modelDir: string; threads: number; contextSize: number };
  };
  simulator: {
    seed: number;
    latencyMs: number;
    latencyJitterMs: number;
    faultRate: number;
    faults: string[];
  };
  strategies: {
    enabled: string[];
    weights: Record<string, number>;
    options: Record<string, Record<string, unknown>>;
    /**
     * Show the evolver a system turn and one worked example (the strategy's own prompt on a plain
     * seed, and a good rewrite of it) before each prompt. Off by default (it costs prompt tokens on
     * every call); small models need it: SmolLM2-135M's usable rewrites rose from 3 to 11 in 40.
     * Not used for strategies that ask for a data format (complicate-input): the example adds none.
     */
    workedExample: boolean;
    /**
     * Strategy packs to turn on in one line: `code` (WizardCoder's directions) and `math` (WizardMath's).
     * Their strategies are added to `enabled` when the config is loaded (packages/core/src/packs.ts).
     */
    packs: StrategyPack[];
  };
  validate: {
    /** Most words an evolution may add to its parent (depth strategies ask for 10-20). */
    maxAddedWords: number;
    /** Most words an instruction may have at all. */
    maxWords: number;
    /** Word-set (Jaccard) similarity to the parent at or above which a rewrite counts as unchanged; 1 = the same words. Near-identical rewrites below it are left to the equality judge. */
    unchangedSimilarity: number;
    validators: string[];
    /**
     * SQL dialect of the data (the database it will run on), used for SQL pieces whose fence tag
     * names none; `auto` (default) takes a dialect named in the instruction or detected from the
     * query's own syntax, else tries the usual grammars in turn (never a permissive fallback).
     */
    sqlDialect: SqlDialectSetting;
  };
  eliminate: {
    judge: boolean;
    sorryMaxWords: number;
    minResponseWords: number;
    /** Keep an evolution whose equality judge gave no clear Equal / Not Equal even when asked twice (default: reject it `no-verdict`). */
    keepOnNoVerdict: boolean;
    difficultyJudge: boolean;
    responseFormatCheck: boolean;
  };
  /**
   * The verify stage (between respond and eliminate): code answers run with their tests in a
   * bubblewrap sandbox, math answers cross-checked by `math.samples` more responses. See packages/verify.
   */
  verify: {
    enabled: boolean;
    code: {
      /**
       * `auto` (default): run code answers in the sandbox when bubblewrap works here; when it does not, warn once
       * at startup and keep code answers unchecked (`verified: none`, the detail says why). `true`: the stage does
       * not start without the sandbox. `false`: never run code. Code never runs outside the sandbox.
       */
      enabled: boolean | 'auto';
      languages: ('python' | 'javascript')[];
      /** Ask the responder for tests in a second call when a code answer has none of its own. */
      askTests: boolean;
      /** Python interpreter; '' = /usr/bin/python3, /usr/local/bin/python3, then python3 on PATH. */
      python: string;
      /** Wall time (ms), CPU seconds, memory (MiB), processes, output bytes kept per stream, largest file written. */
      timeoutMs: number;
      cpuSeconds: number;
      memoryMb: number;
      maxProcesses: number;
      outputBytes: number;
      fileBytes: number;
      /** Sandboxes running at once; 0 = the number of CPUs. */
      parallel: number;
    };
    math: { enabled: boolean; samples: number; temperature: number };
  };
  dedup: {
    mode: 'exact' | 'semantic';
    /**
     * Cosine similarity at or above which a record is a duplicate. It belongs to `model`: 0.945 is where
     * bge-small-en-v1.5 keeps precision >= 0.9 (at its 95% lower bound) on half of STS-B dev, picked there and
     * reported on the other half (precision 0.896, recall 0.328); other models' values in packages/dedup/README.md
     * (bench/dedup-calibration.ts).
     */
    threshold: number;
    /** Embedding model, a folder under `modelDir` (`evolflow models pull --model NAME` fetches the known ones). */
    model: string;
    modelDir: string;
    /** ONNX file of the model: the published quantized one, fp32, or the int8 made by scripts/quantize-int8.py. */
    variant: 'quantized' | 'fp32' | 'int8';
    /** HNSW graph degree, build and query beam widths (recall@1 >= 0.99 at 100k with the defaults). */
    hnsw: { M: number; efConstruction: number; ef: number };
    /**
     * Folder of the dedup stage's snapshots (index, id map, hash set; relative to the working folder);
     * '' = none. The stage starts from it and writes it every `snapshotEvery` kept records and on stop.
     */
    snapshotDir: string;
    snapshotEvery: number;
  };
  mix: {
    replayShare: number;
    /** Seeds per batch; 0 means use `replayShare`. */
    replayCount: number;
    batchSize: number;
    order: 'curriculum' | 'shuffle';
    /** Spread strategies over batches in proportion, so no batch is dominated by one. */
    stratify: boolean;
    /** Emit batches as they fill (and after `intervalMs`) instead of once at the end of a finite run. */
    continuous: boolean;
    /** Continuous mode: emit a partial batch when this long has passed since the last one (0: off). */
    intervalMs: number;
    /** Records per shard file before a new one is started (batches are never split). */
    shardRecords: number;
    parquet: boolean;
    /** Per-record metadata (seed id, round, strategy chain, scores): none, a `metadata` field, or `metadata.jsonl`. */
    metadata: 'none' | 'field' | 'file';
    /** Name of the dataset in `dataset_info.json`. */
    datasetName: string;
    /** Licence of the seeds for the dataset card; empty: read the LICENSE file beside the seed file. */
    seedLicense: string;
    /**
     * Evaluation sets (files) whose copies, rewordings and paraphrases are dropped as `contaminated`,
     * seeds and evolved records alike. `tests` names the tests that run (a record is dropped when any
     * fires): `ngram` (content n-gram containment >= `threshold`, n-grams up to `ngram` words) and
     * `embedding` (cosine similarity to the nearest item >= `embeddingThreshold`, `embeddingModel`
     * from `dedup.modelDir`), whatever `dedup.mode` is.
     */
    decontaminate: {
      sets: string[];
      tests: ('ngram' | 'embedding')[];
      threshold: number;
      ngram: number;
      embeddingThreshold: number;
      embeddingModel: string;
    };
  };
  transport: {
    kind: 'memory' | 'kafka';
    kafka: { brokers: string[]; prefix: string; partitions: number; clientId: string };
  };
  stages: { concurrency: number; maxAttempts: number };
  /** Observability (@evolflow/observe): metrics endpoint, log level, failure-rate guard. */
  observe: {
    /** Port of the `/metrics` and `/healthz` endpoint; 0 = off. */
    metricsPort: number;
    /**
     * When `/metrics` is served, how long a finished run waits for one more scrape before it exits,
     * so the last values reach Prometheus (ms; 0 = leave at once). `metrics.prom` holds them either way.
     */
    finalScrapeMs: number;
    logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    /** Sane band of a strategy's rolling failure rate; a warning fires when it leaves it. */
    failureBand: { low: number; high: number };
    /** How many of a strategy's latest evolutions the rolling failure rate looks at. */
    failureWindow: number;
    /** Down-weight strategies whose failure rate is above the band (off by default, as in the paper). */
    adaptive: boolean;
    /** Smallest factor adaptive selection applies to a strategy's weight. */
    minWeight: number;
  };
}

const role = (model: string): RoleConfig => ({ model, temperature: 0.7, maxTokens: 1024, pricePerMTokIn: 0, pricePerMTokOut: 0, stop: [] });

/**
 * The evolver stops where it would start the template over: the given-prompt headers of the
 * in-depth and mutation prompts (core's strategy-kit, plugins/strategy-mutation), and their answer
 * headers once it has written something ("\n" first, so an answer that opens with the header is
 * left to the parser rather than cut to nothing).
 */
const EVOLVER_STOP: readonly string[] = ['#The Given Prompt#', '#Given Prompt#', '\n#Rewritten Prompt#', '\n#Created Prompt#'];

/**
 * The equality judge answers "Equal" or "Not Equal" (2-3 tokens); 16 leaves room for a short
 * sentence ("They are not exactly equal.") and cuts the essays a small model writes instead.
 * The difficulty judge (same role) answers one number.
 */
const JUDGE_MAX_TOKENS = 16;

/** Every default in one place. */
export const DEFAULT_CONFIG: Config = {
  run: { rounds: 4, seed: 42, outDir: 'out', format: 'alpaca', maxFailureRate: 0.5, stopGraceMs: 10_000, failFastAfter: 50 },
  llm: {
    provider: 'sim',
    baseUrl: '',
    apiKey: '',
    roles: {
      evolver: { ...role('gpt-4o-mini'), maxTokens: 2048, stop: [...EVOLVER_STOP] },
      responder: role('gpt-4o-mini'),
      judge: { ...role('gpt-4o-mini'), temperature: 0, maxTokens: JUDGE_MAX_TOKENS },
    },
    concurrency: 64,
    rpm: 0,
    tpm: 0,
    maxRetries: 5,
    timeoutMs: 60_000,
    backoffBaseMs: 250,
    backoffMaxMs: 20_000,
    maxRetryAfterMs: 60_000,
    cache: { enabled: true, dir: '.evolflow/cache', maxMB: 1024 },
    local: { model: 'smollm2-135m-instruct', modelDir: '.evolflow/models', threads: 1, contextSize: 4096 },
  },
  simulator: { seed: 7, latencyMs: 0, latencyJitterMs: 0, faultRate: 0, faults: [] },
  strategies: {
    enabled: ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'],
    weights: {},
    options: {},
    workedExample: false,
    packs: [],
  },
  validate: { maxAddedWords: 120, maxWords: 800, unchangedSimilarity: 1, validators: [], sqlDialect: 'auto' },
  eliminate: {
    judge: true,
    sorryMaxWords: 80,
    minResponseWords: 3,
    keepOnNoVerdict: false,
    difficultyJudge: false,
    responseFormatCheck: false,
  },
  verify: {
    enabled: true,
    code: {
      enabled: 'auto',
      languages: ['python', 'javascript'],
      askTests: true,
      python: '',
      timeoutMs: 10_000,
      cpuSeconds: 5,
      memoryMb: 512,
      maxProcesses: 64,
      outputBytes: 65_536,
      fileBytes: 1_048_576,
      parallel: 0,
    },
    math: { enabled: true, samples: 3, temperature: 0.7 },
  },
  dedup: {
    mode: 'exact',
    threshold: 0.945,
    model: 'bge-small-en-v1.5',
    modelDir: '.evolflow/models',
    variant: 'quantized',
    hnsw: { M: 16, efConstruction: 64, ef: 128 },
    snapshotDir: '',
    snapshotEvery: 5000,
  },
  mix: {
    replayShare: 0.2,
    replayCount: 0,
    batchSize: 64,
    order: 'curriculum',
    stratify: false,
    continuous: false,
    intervalMs: 0,
    shardRecords: 4096,
    parquet: true,
    metadata: 'none',
    datasetName: 'evolflow',
    seedLicense: '',
    decontaminate: { sets: [], tests: ['ngram'], threshold: 0.4, ngram: 2, embeddingThreshold: 0.73, embeddingModel: 'all-MiniLM-L6-v2' },
  },
  transport: { kind: 'memory', kafka: { brokers: ['127.0.0.1:9092'], prefix: 'evolflow.', partitions: 3, clientId: 'evolflow' } },
  stages: { concurrency: 64, maxAttempts: 5 },
  observe: {
    metricsPort: 0,
    finalScrapeMs: 30_000,
    logLevel: 'info',
    failureBand: { low: 0.02, high: 0.5 },
    failureWindow: 50,
    adaptive: false,
    minWeight: 0.05,
  },
};

const num = (min: number, max?: number) => ({ type: 'number', minimum: min, ...(max === undefined ? {} : { maximum: max }) });
const int = (min: number, max?: number) => ({ type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) });
const str = { type: 'string' };
const bool = { type: 'boolean' };
const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties, additionalProperties: false });
const roleSchema = obj({
  model: { type: 'string', minLength: 1 },
  temperature: num(0, 2),
  maxTokens: int(1),
  pricePerMTokIn: num(0),
  pricePerMTokOut: num(0),
  baseUrl: str,
  stop: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 4 },
});

/** The JSON Schema of the config (every key optional in the file; defaults fill the rest). */
export const configSchema = obj({
  run: obj({
    rounds: int(0, 100),
    seed: int(0),
    outDir: str,
    format: { enum: ['alpaca', 'sharegpt', 'openai'] },
    maxFailureRate: num(0, 1),
    stopGraceMs: int(0),
    failFastAfter: int(0),
  }),
  llm: obj({
    provider: { enum: ['sim', 'openai', 'local'] },
    baseUrl: str,
    apiKey: str,
    roles: obj({ evolver: roleSchema, responder: roleSchema, judge: roleSchema }),
    concurrency: int(1, 4096),
    rpm: int(0),
    tpm: int(0),
    maxRetries: int(0, 50),
    timeoutMs: int(1),
    backoffBaseMs: int(0),
    backoffMaxMs: int(0),
    maxRetryAfterMs: int(0),
    cache: obj({ enabled: bool, dir: str, maxMB: num(0) }),
    local: obj({ model: { type: 'string', minLength: 1 }, modelDir: str, threads: int(1, 256), contextSize: int(256) }),
  }),
  simulator: obj({ seed: int(0), latencyMs: num(0), latencyJitterMs: num(0), faultRate: num(0, 1), faults: { type: 'array', items: str } }),
  strategies: obj({
    enabled: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    weights: { type: 'object', additionalProperties: num(0) },
    options: { type: 'object', additionalProperties: { type: 'object' } },
    workedExample: bool,
    packs: { type: 'array', items: { enum: PACK_NAMES }, uniqueItems: true },
  }),
  validate: obj({
    maxAddedWords: int(0),
    maxWords: int(1),
    unchangedSimilarity: num(0, 1),
    validators: { type: 'array', items: str },
    sqlDialect: { enum: [...SQL_DIALECT_SETTINGS] },
  }),
  eliminate: obj({
    judge: bool,
    sorryMaxWords: int(0),
    minResponseWords: int(0),
    keepOnNoVerdict: bool,
    difficultyJudge: bool,
    responseFormatCheck: bool,
  }),
  verify: obj({
    enabled: bool,
    code: obj({
      enabled: { enum: [true, false, 'auto'] },
      languages: { type: 'array', items: { enum: ['python', 'javascript'] }, uniqueItems: true },
      askTests: bool,
      python: str,
      timeoutMs: int(100),
      cpuSeconds: int(1, 3600),
      memoryMb: int(32),
      maxProcesses: int(1, 4096),
      outputBytes: int(256),
      fileBytes: int(0),
      parallel: int(0, 256),
    }),
    math: obj({ enabled: bool, samples: int(1, 32), temperature: num(0, 2) }),
  }),
  dedup: obj({
    mode: { enum: ['exact', 'semantic'] },
    threshold: num(0, 1),
    model: str,
    modelDir: str,
    variant: { enum: ['quantized', 'fp32', 'int8'] },
    hnsw: obj({ M: int(2, 200), efConstruction: int(1), ef: int(1) }),
    snapshotDir: str,
    snapshotEvery: int(1),
  }),
  mix: obj({
    replayShare: num(0, 0.99),
    replayCount: int(0),
    batchSize: int(1),
    order: { enum: ['curriculum', 'shuffle'] },
    stratify: bool,
    continuous: bool,
    intervalMs: int(0),
    shardRecords: int(1),
    parquet: bool,
    metadata: { enum: ['none', 'field', 'file'] },
    datasetName: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
    seedLicense: str,
    decontaminate: obj({
      sets: { type: 'array', items: str },
      tests: { type: 'array', items: { enum: ['ngram', 'embedding'] }, minItems: 1, uniqueItems: true },
      threshold: num(0, 1),
      ngram: int(1, 13),
      embeddingThreshold: num(0, 1),
      embeddingModel: { type: 'string', minLength: 1 },
    }),
  }),
  transport: obj({
    kind: { enum: ['memory', 'kafka'] },
    kafka: obj({ brokers: { type: 'array', items: str, minItems: 1 }, prefix: str, partitions: int(1, 1024), clientId: str }),
  }),
  stages: obj({ concurrency: int(1, 4096), maxAttempts: int(1, 100) }),
  observe: obj({
    metricsPort: int(0, 65535),
    finalScrapeMs: int(0, 3_600_000),
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'] },
    failureBand: obj({ low: num(0, 1), high: num(0, 1) }),
    failureWindow: int(1, 100_000),
    adaptive: bool,
    minWeight: num(0, 1),
  }),
});

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateConfig = ajv.compile(configSchema);

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: objects merge, everything else (arrays included) replaces. */
export function mergeDeep<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return (over === undefined ? base : over) as T;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeDeep(out[k], v) : v;
  return out as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Turn `EVOLFLOW_LLM__CONCURRENCY=8` style variables (and the OpenAI ones) into a partial config. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Plain {
  const out: Plain = {};
  const set = (path: string[], value: unknown) => {
    let node = out;
    for (const key of path.slice(0, -1)) node = (node[key] = isPlain(node[key]) ? node[key] : {}) as Plain;
    node[path[path.length - 1] as string] = value;
  };
  const camel = (s: string) => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || !name.startsWith('EVOLFLOW_') || name === 'EVOLFLOW_CONFIG') continue;
    const path = name.slice('EVOLFLOW_'.length).split('__').map(camel);
    // Only variables that name a config section are config (EVOLFLOW_CACHE and the like belong to scripts).
    if (path.length < 2 || !((path[0] as string) in configSchema.properties)) continue;
    let value: unknown = raw;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    set(path, value);
  }
  if (env.OPENAI_BASE_URL) set(['llm', 'baseUrl'], env.OPENAI_BASE_URL);
  if (env.OPENAI_API_KEY) set(['llm', 'apiKey'], env.OPENAI_API_KEY);
  if ((env.OPENAI_BASE_URL || env.OPENAI_API_KEY) && !(isPlain(out.llm) && 'provider' in out.llm)) set(['llm', 'provider'], 'openai');
  return out;
}

export interface LoadConfigOptions {
  /** Path of a YAML file; when absent, `evolflow.config.yaml` in `cwd` is read if it exists. */
  file?: string;
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides from the command line, applied last. */
  overrides?: unknown;
}

/** Check a partial config against the schema; problems carry the dotted path of the bad key. */
export function configProblems(partial: unknown): { path: string; message: string }[] {
  if (validateConfig(partial)) return [];
  return (validateConfig.errors ?? []).map((e) => {
    const path = e.instancePath.slice(1).replaceAll('/', '.');
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      return { path: path ? `${path}.${extra}` : extra, message: 'is not a known key' };
    }
    if (e.keyword === 'enum')
      return {
        path,
        message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    return { path, message: e.message ?? 'is invalid' };
  });
}

/** Load, merge (defaults < file < env < overrides), check and freeze the config. */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file =
    options.file ?? env.EVOLFLOW_CONFIG ?? (existsSync(`${cwd}/evolflow.config.yaml`) ? `${cwd}/evolflow.config.yaml` : undefined);
  let merged: unknown = structuredClone(DEFAULT_CONFIG);
  const layers: [string, unknown][] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError([{ path: '', message: `cannot read the file: ${(cause as Error).message}` }], file);
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      throw new ConfigError(
        doc.errors.map((e) => ({ path: '', message: `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message}` })),
        file,
      );
    }
    layers.push([file, doc.toJS() ?? {}]);
  }
  layers.push(['the environment (EVOLFLOW_*, OPENAI_*)', configFromEnv(env)]);
  if (options.overrides !== undefined) layers.push(['the command line', options.overrides]);
  for (const [source, layer] of layers) {
    const problems = configProblems(layer);
    if (problems.length > 0) throw new ConfigError(problems, source);
    merged = mergeDeep(merged, layer);
  }
  const problems = configProblems(merged);
  if (problems.length > 0) throw new ConfigError(problems, 'the merged configuration');
  const config = merged as Config;
  return deepFreeze({ ...config, strategies: expandPacks(config.strategies) });
}
