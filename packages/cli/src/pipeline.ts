// Running the whole pipeline in one process: every stage of the manifest on one transport, the
// seed files fed in (stage-seed's SeedFeed), the sink, and the finite-run end: once every record has
// reached its terminal state the transport is drained, the mixer flushes, and the run's files
// (dataset from the mixer; kept, seeds, rejected, lineage, dlq and run.json from here) are written.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  EvolflowError,
  PIPELINE,
  redactDeep,
  type TopicName,
  type Config,
  type Logger,
  type StageEnv,
  type StageFactory,
  type StageHandler,
  type StageName,
} from '@evolflow/core';
import { waitDrained, type RunningStage, type RunStageOptions, type StageStats, type Transport } from '@evolflow/transport';
import type { LlmClient } from '@evolflow/llm';
import { roleCost } from '@evolflow/observe';
import { stageEnv, startStage } from '@evolflow/runtime';
import { SeedFeed } from '@evolflow/stage-seed';
import type { VerifyCounts } from '@evolflow/stage-verify';
import { startSink, type Sink } from './sink.ts';
import { judgeRun, stoppedOutcome, type RunOutcome } from './outcome.ts';

/**
 * The `create` of stage `name`'s service, `@evolflow/stage-<name>`, found by the manifest's name (a new
 * stage needs no entry here). Loaded on first use, so a process builds only the stages it runs.
 */
export async function stageFactory(name: StageName): Promise<StageFactory> {
  const service = `@evolflow/stage-${name}`;
  const mod = (await import(service).catch((err: unknown) => {
    throw new EvolflowError(
      'config',
      `stage "${name}": its service ${service} cannot be loaded (${(err as Error).message}); a stage of the manifest is the package services/stage-${name}`,
      { cause: err },
    );
  })) as { create?: unknown };
  if (typeof mod.create !== 'function')
    throw new EvolflowError(
      'internal',
      `${service} exports no create(env); every stage service's src/index.ts exports the factory of its stage as create`,
    );
  return mod.create as StageFactory;
}

/** How each stage of the manifest is built: its service's `create`. */
export const STAGE_FACTORIES = Object.fromEntries(
  PIPELINE.map((s): [StageName, StageFactory] => [s.name, async (env) => (await stageFactory(s.name))(env)]),
) as Record<StageName, StageFactory>;

export interface RunPipelineOptions {
  config: Readonly<Config>;
  seedFiles: readonly string[];
  transport: Transport;
  llm: LlmClient;
  logger: Logger;
  /** Output folder (default config.run.outDir). */
  outDir?: string;
  cwd?: string;
  /**
   * Keep running after the seed files are done (continuous mode): each seed file is followed as it
   * grows (complete lines appended to it are read, as `tail -f` would), until `signal` stops the run.
   */
  follow?: boolean;
  /**
   * Stops the run early (a finite run as well as --follow): no new work is taken, work in flight
   * gets `run.stopGraceMs` to finish and is then abandoned, and what is consistent so far is
   * written, with `partial: true` in run.json when anything was left undone. The abort reason
   * (`SIGINT`, `SIGTERM`) is recorded and picks the exit code (130, 143).
   */
  signal?: AbortSignal;
  /** Observability hooks. */
  onRecord?: RunStageOptions<unknown>['onRecord'];
  strategyWeights?: StageEnv['strategyWeights'];
  /** Extra facts for run.json (the simulator used, etc.). */
  extra?: Record<string, unknown>;
  /** Which stages run in this process (default all; the others run elsewhere). */
  stages?: readonly StageName[];
  /** The stopped run this one resumes (from its run.json): its totals are carried into this one's. */
  resumes?: ResumedRun;
}

/** LLM totals that add up across attempts. */
export type LlmTotals = Pick<
  ReturnType<LlmClient['usage']>,
  'calls' | 'cacheHits' | 'retries' | 'errors' | 'promptTokens' | 'completionTokens'
> & {
  /** USD at the configured prices (`llm.roles.<role>.pricePerMTok*`; 0 without prices). */
  costUsd: number;
};

/** What a resumed run carries of the attempts before it. */
export interface ResumedRun {
  /** When the first attempt started. */
  startedAt: string;
  /** What stopped the last one. */
  stoppedBy: string;
  /** Attempts so far. */
  attempts: number;
  /** LLM totals of all of them. */
  llm: LlmTotals;
}

const TOTAL_KEYS = ['calls', 'cacheHits', 'retries', 'errors', 'promptTokens', 'completionTokens', 'costUsd'] as const;

/** The totals of `u` (a run.json of an older version may lack a key: 0). */
const totalsOf = (u: Partial<LlmTotals>): LlmTotals => ({
  calls: u.calls ?? 0,
  cacheHits: u.cacheHits ?? 0,
  retries: u.retries ?? 0,
  errors: u.errors ?? 0,
  promptTokens: u.promptTokens ?? 0,
  completionTokens: u.completionTokens ?? 0,
  costUsd: u.costUsd ?? 0,
});

/** One attempt's LLM totals, its cost priced per role at `config.llm.roles`. */
export function llmTotalsOf(usage: ReturnType<LlmClient['usage']>, roles: Readonly<Partial<Config['llm']['roles']>>): LlmTotals {
  let costUsd = 0;
  for (const [role, tokens] of Object.entries(usage.byRole ?? {})) costUsd += roleCost(tokens, roles[role as keyof typeof roles]);
  return totalsOf({ ...usage, costUsd });
}

/** `a + b`, key by key. */
export function addTotals(a: LlmTotals, b: LlmTotals): LlmTotals {
  const sum = totalsOf(a);
  for (const k of TOTAL_KEYS) sum[k] += b[k];
  return sum;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outDir: string;
  stages: Record<string, StageStats>;
  llm: ReturnType<LlmClient['usage']>;
  totals: {
    seeds: number;
    seedRejects: number;
    evolutions: number;
    kept: number;
    rejected: number;
    deadLettered: number;
    replayed: number;
    dataset: number;
  };
  rounds: Record<string, { kept: number; rejected: Record<string, number> }>;
  strategies: Record<string, { kept: number; rejected: Record<string, number> }>;
  /** The verify stage's verdicts in this process: what was checked (python, javascript, math, none) -> reason (ok, code-error...) -> count. */
  verify?: VerifyCounts;
  timeline: { t: number; stages: Record<string, { in: number; out: number; rejected: number }>; llmCalls: number; tokens: number }[];
  /** Whether the run produced what it was asked for, and its exit code. */
  outcome: RunOutcome;
  /** True when the run was stopped before every record reached its terminal state: run the same command again to resume. */
  partial: boolean;
  /** What stopped the run early (`SIGINT`, `SIGTERM`), if anything did. */
  stoppedBy?: string;
  /** This run's attempt (1, or more when it resumed stopped runs) and the LLM totals of every attempt. */
  attempts: number;
  llmAllAttempts: LlmTotals;
  /** When it resumed a stopped run: when the first attempt started and what stopped the last one. */
  resumed?: { firstStartedAt: string; stoppedBy: string };
  /** The config, with keys and URL credentials redacted. */
  config: Readonly<Config>;
  [extra: string]: unknown;
}

export interface RunningPipeline {
  stages: readonly RunningStage[];
  sink: Sink;
  /** Terminal records so far and the total expected for a finite run. */
  progress(): { terminal: number; expected: number };
  done: Promise<RunSummary>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Stages that start new work (new seeds, LLM calls): the first thing a stop halts. */
const WORK_STAGES: ReadonlySet<StageName> = new Set(['seed', 'evolve', 'respond', 'verify', 'eliminate']);
/** Topics whose consumers keep running during a stop (the other stages' inputs, read off the manifest, and the sink's rejected), so finished work reaches the sink and the mixer. */
const SETTLE_TOPICS: readonly TopicName[] = [
  ...new Set<TopicName>([...PIPELINE.filter((s) => !WORK_STAGES.has(s.name)).flatMap((s) => s.consumes), 'rejected']),
];
/** Most samples the run's timeline keeps (run.json, the report). */
const MAX_TIMELINE = 2048;
/** Longest wait, after the grace period, for the sink and the mixer to read what finished work published. */
const SETTLE_MS = 5000;

/** `promise`, or nothing once `deadline` (ms since the epoch) has passed. */
async function until(promise: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
}

/** Poll until every topic of `topics` has been read by all its consumers, or `deadline` passes. */
async function settled(transport: Transport, topics: readonly TopicName[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const backlogs = await Promise.all(topics.map((t) => transport.backlog(t)));
    if (backlogs.every((n) => n === 0)) return;
    await sleep(20);
  }
}

/** The verify stage's verdicts, when it ran in this process. */
function verifyCountsOf(handlers: ReadonlyMap<StageName, StageHandler<unknown>>): { verify?: VerifyCounts } {
  const h = handlers.get('verify') as { counts?(): VerifyCounts } | undefined;
  return h?.counts ? { verify: h.counts() } : {};
}

/** Start the pipeline; `done` resolves with the run summary once a finite run has ended. */
export async function startPipeline(options: RunPipelineOptions): Promise<RunningPipeline> {
  const { config, transport, llm, logger } = options;
  const outDir = resolve(options.outDir ?? config.run.outDir);
  await mkdir(outDir, { recursive: true });
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const env: StageEnv = stageEnv({
    config,
    logger,
    llm,
    transport,
    outDir,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.strategyWeights ? { strategyWeights: options.strategyWeights } : {}),
  });
  const prefix = config.transport.kafka.prefix;
  const local = options.stages ?? PIPELINE.map((s) => s.name);
  const handlers = new Map<StageName, StageHandler<unknown>>();
  for (const spec of PIPELINE) if (local.includes(spec.name)) handlers.set(spec.name, await (await stageFactory(spec.name))(env));
  const sink = await startSink(transport, `${prefix}sink`, { spoolDir: join(outDir, '.evolflow-spool') });
  const stages: RunningStage[] = [];
  for (const handler of handlers.values())
    stages.push(await startStage(handler, { config, logger, transport, ...(options.onRecord ? { onRecord: options.onRecord } : {}) }));
  const timeline: RunSummary['timeline'] = [];
  // One sample a second; past MAX_TIMELINE samples every other one is dropped and the step doubles,
  // so a run of any length (--follow) keeps at most MAX_TIMELINE samples spread over all of it.
  let step = 1;
  let ticks = 0;
  const sample = (last = false) => {
    if (!last && ticks++ % step !== 0) return;
    if (timeline.length >= MAX_TIMELINE) {
      let kept = 0;
      for (let i = 0; i < timeline.length; i += 2) timeline[kept++] = timeline[i] as RunSummary['timeline'][number];
      timeline.length = kept;
      step *= 2;
    }
    const u = llm.usage();
    timeline.push({
      t: Date.now() - started,
      stages: Object.fromEntries(stages.map((s) => [s.spec.name, { in: s.stats.in, out: s.stats.out, rejected: s.stats.rejected }])),
      llmCalls: u.calls,
      tokens: u.promptTokens + u.completionTokens,
    });
  };
  const ticker = setInterval(() => sample(), 1000);
  ticker.unref();

  const signal = options.signal;
  let stopping = signal?.aborted ?? false;
  const stopRequested = new Promise<void>((r) => {
    if (signal?.aborted) r();
    else {
      signal?.addEventListener(
        'abort',
        () => {
          stopping = true;
          r();
        },
        { once: true },
      );
    }
  });
  // The seed files onto the seeds topic (the seed stage, here or in its own process, takes them in).
  const seeds = new SeedFeed({
    files: options.seedFiles,
    topic: transport,
    ...(options.follow ? { follow: true } : {}),
    ...(signal ? { signal } : {}),
  });

  /**
   * The first stop: stages that start new work take nothing more and their records in flight get
   * until the grace period ends. LLM waits that would outlast it (a long Retry-After, the limiter's
   * pause) are cancelled at once, and what still waits or is on the wire when it ends is cancelled
   * then: those records are left undone (stats.cancelled), for a resume. What finished flows on to
   * the sink and the mixer, which writes the dataset of what it holds.
   * Resolves to whether anything was left undone.
   */
  const stopEarly = async (): Promise<boolean> => {
    const deadline = Date.now() + config.run.stopGraceMs;
    const stoppedBy = String(signal?.reason ?? 'a stop');
    llm.cancelWaits(stoppedBy, config.run.stopGraceMs);
    const working = stages.filter((s) => WORK_STAGES.has(s.spec.name));
    const others = stages.filter((s) => !WORK_STAGES.has(s.spec.name));
    await until(Promise.all(working.map((s) => s.stop())), deadline);
    llm.cancel(stoppedBy);
    await settled(transport, SETTLE_TOPICS, Math.max(deadline, Date.now() + SETTLE_MS));
    await until(Promise.all(others.map((s) => s.stop())), Date.now() + SETTLE_MS);
    for (const s of others) if (s.spec.name === 'mix') await s.flush();
    await settled(transport, ['curriculum'], Date.now() + SETTLE_MS);
    return !seeds.fed || !(await transport.isDrained()) || stages.some((s) => s.stats.cancelled > 0);
  };

  const done = (async (): Promise<RunSummary> => {
    await Promise.race([seeds.run(), stopRequested]);
    if (!stopping)
      await Promise.race([options.follow ? new Promise<never>(() => undefined) : waitDrained(transport, signal), stopRequested]);
    let partial = false;
    if (stopping) partial = await stopEarly();
    else {
      // Drained: from here the run finishes as it would have without a stop.
      for (const s of stages) {
        const n = await s.flush();
        if (n > 0) await waitDrained(transport);
      }
      await waitDrained(transport);
    }
    clearInterval(ticker);
    sample(true);
    // Everything is drained: the stages leave their groups together (each stop waits for its
    // consumer's fetch in flight, so one after another would pay that wait once per stage). After
    // an early stop they have left already, and abandoned work is not waited for.
    if (!stopping) await Promise.all(stages.map((s) => s.stop()));
    await sink.stop();
    for (const h of handlers.values()) await h.close?.();
    await sink.write(outDir);

    // Read only after the write: until then the sink counts appends (redeliveries included).
    const { rounds, strategies } = sink;
    const counts = sink.counts();
    const cur = sink.curriculum();
    const finished = Date.now();
    const usage = llm.usage();
    const sampleError = sink.llmErrorSample();
    const stoppedBy = stopping ? String(signal?.reason ?? 'a stop') : undefined;
    const outcome =
      stoppedBy !== undefined
        ? stoppedOutcome(stoppedBy, partial, sampleError)
        : judgeRun({
            seeds: counts.seeds,
            seedRejects: seeds.rejects,
            seedFiles: options.seedFiles,
            llm: usage,
            maxFailureRate: config.run.maxFailureRate,
            sampleError,
          });
    const summary: RunSummary = {
      startedAt,
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      outDir,
      stages: Object.fromEntries(
        stages.map((s) => [s.spec.name, { ...s.stats, emitted: { ...s.stats.emitted }, reasons: { ...s.stats.reasons } }]),
      ),
      llm: usage,
      totals: {
        seeds: counts.seeds,
        seedRejects: seeds.rejects,
        evolutions: counts.kept + counts.evolvedRejected,
        kept: counts.kept,
        rejected: counts.rejected,
        deadLettered: counts.deadLetters,
        replayed: cur.replayed,
        dataset: cur.records,
      },
      rounds,
      strategies,
      ...verifyCountsOf(handlers),
      timeline,
      outcome,
      partial,
      ...(stoppedBy === undefined ? {} : { stoppedBy }),
      attempts: (options.resumes?.attempts ?? 0) + 1,
      llmAllAttempts: options.resumes
        ? addTotals(options.resumes.llm, llmTotalsOf(usage, config.llm.roles))
        : llmTotalsOf(usage, config.llm.roles),
      ...(options.resumes ? { resumed: { firstStartedAt: options.resumes.startedAt, stoppedBy: options.resumes.stoppedBy } } : {}),
      config: redactDeep(config),
      ...redactDeep(options.extra),
    };
    await writeFile(join(outDir, 'run.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  })();

  return {
    stages,
    sink,
    progress() {
      const c = sink.counts();
      const terminal = c.seeds + c.kept + c.rejected;
      return { terminal, expected: seeds.seeds * (1 + config.run.rounds) + seeds.rejects };
    },
    done,
  };
}
