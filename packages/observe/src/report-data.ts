// Reads a run directory (run.json and the JSONL files `evolflow run` writes) and boils it down to
// what the report shows: counts per round and strategy, distributions, timings, sample chains.
// Streams the JSONL files line by line, so a long run's files are never held whole in memory.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { EvolflowError, wordCount, type EvolRecord } from '@evolflow/core';
import { estimateDifficulty } from '@evolflow/mixer';
import type { StageStats } from '@evolflow/transport';
import { roleCost, type RolePricing } from './cost.ts';

/** The parts of run.json the report reads (everything optional: older or partial runs still render). */
export interface RunJson {
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  config?: {
    run?: { rounds?: number };
    llm?: { provider?: string; roles?: Record<string, Partial<RolePricing> & { model?: string }> };
    validate?: { maxWords?: number; maxAddedWords?: number };
    observe?: { failureBand?: { low: number; high: number } };
    dedup?: { mode?: string; threshold?: number };
    strategies?: { enabled?: string[] };
  };
  llm?: {
    calls?: number;
    cacheHits?: number;
    retries?: number;
    errors?: number;
    promptTokens?: number;
    completionTokens?: number;
    byRole?: Record<string, { calls?: number; cacheHits?: number; promptTokens?: number; completionTokens?: number }>;
  };
  stages?: Record<
    string,
    { in?: number; out?: number; rejected?: number; absorbed?: number; deadLettered?: number; cancelled?: number; retries?: number }
  >;
  totals?: Record<string, number>;
  timeline?: { t: number; stages?: Record<string, { in?: number; out?: number; rejected?: number }>; llmCalls?: number; tokens?: number }[];
  /** The verify stage's verdicts: what was checked (python, javascript, math, none) -> reason (ok, code-error...) -> count. */
  verify?: Record<string, Record<string, number>>;
  /** True when the run was stopped before every record reached its terminal state, and what stopped it. */
  partial?: boolean;
  stoppedBy?: string;
  /** Attempts of this run so far (more than 1 once it resumed stopped runs) and the LLM totals of all of them. */
  attempts?: number;
  llmAllAttempts?: { calls?: number; cacheHits?: number; promptTokens?: number; completionTokens?: number; costUsd?: number };
}

/** Five-number summary plus mean and count. */
export interface Distribution {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
}

export interface ChainStep {
  id: string;
  round: number;
  strategy: string | null;
  instruction: string;
  words: number;
  difficulty?: number;
}

export interface SampleChain {
  finalId: string;
  state: string;
  reason?: string;
  steps: ChainStep[];
  response?: string;
}

/** Everything the report draws. */
export interface ReportData {
  runDir: string;
  run: RunJson;
  /** Round -> kept and rejected (round 0: seeds read, seed lines rejected). */
  rounds: { round: number; kept: number; rejected: number; reasons: Record<string, number> }[];
  /** Strategy -> kept, rejected and reasons. */
  strategies: { strategy: string; kept: number; rejected: number; reasons: Record<string, number> }[];
  /** Instruction words per round (0: seeds). */
  lengthByRound: { round: number; dist: Distribution }[];
  /** Difficulty (judge score, else estimate) per round, of seeds and of kept records that passed every rule (`passedEveryRule`). */
  difficultyByRound: { round: number; dist: Distribution; source: 'difficulty' | 'estimate' }[];
  /** Kept records left out of `difficultyByRound` because a check did not pass (e.g. kept with no judge verdict). */
  difficultyExcluded: number;
  /** Similarity to the nearest kept record: kept ones, and rejected duplicates. */
  similarity: { kept: number[]; duplicates: number[] };
  /** Tokens and cost per LLM-calling stage. */
  perStage: { stage: string; role: string; calls: number; promptTokens: number; completionTokens: number; costUsd: number }[];
  /** Records finished per second per stage between timeline samples. */
  throughput: { t: number; rates: Record<string, number> }[];
  samples: SampleChain[];
  /** One example rejected record per reason. */
  rejectExamples: {
    reason: string;
    stage: string;
    strategy: string | null;
    round: number;
    id: string;
    instruction: string;
    detail?: string;
  }[];
  counts: { seeds: number; kept: number; rejected: number; deadLettered: number; dataset: number; badLines: number };
  /** Per stage: run.json's counts (`cancelled`: records a stop left undone, for the resume). */
  stageCounts: (Pick<StageStats, 'in' | 'out' | 'rejected' | 'absorbed' | 'deadLettered' | 'cancelled' | 'retries'> & { stage: string })[];
  /** Per LLM role: latency quantiles from the run's final metrics (metrics.prom), when present. */
  latency: { role: string; calls: number; meanMs: number; p50Ms: number; p95Ms: number }[];
}

/**
 * True when the record passed every rule: every stage's check is `ok`, and the equality judge, where
 * it ran, said Not Equal (a record kept under `eliminate.keepOnNoVerdict` did not pass it).
 */
export function passedEveryRule(record: Pick<EvolRecord, 'checks'>): boolean {
  return (
    Array.isArray(record.checks) && record.checks.every((c) => c.reason === 'ok' && (c.verdict === undefined || c.verdict === 'not-equal'))
  );
}

/** Quantile `q` of a cumulative Prometheus histogram (linear within the bucket). */
export function histogramQuantile(buckets: readonly { le: number; count: number }[], q: number): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket : b.le;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** LLM latency per role from the text of metrics.prom. */
export function latencyFromMetrics(text: string): ReportData['latency'] {
  const roles = new Map<string, { buckets: Map<number, number>; sum: number; count: number }>();
  const name = 'evolflow_llm_request_duration_seconds';
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !(m[1] as string).startsWith(name)) continue;
    const labels = Object.fromEntries([...(m[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const role = labels.role ?? '?';
    let r = roles.get(role);
    if (!r) roles.set(role, (r = { buckets: new Map(), sum: 0, count: 0 }));
    const v = Number(m[3]);
    // Several models per role: add their series up.
    if (m[1] === `${name}_bucket`) {
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      r.buckets.set(le, (r.buckets.get(le) ?? 0) + v);
    } else if (m[1] === `${name}_sum`) r.sum += v;
    else if (m[1] === `${name}_count`) r.count += v;
  }
  return [...roles]
    .filter(([, r]) => r.count > 0)
    .map(([role, r]) => {
      const buckets = [...r.buckets].map(([le, count]) => ({ le, count }));
      return {
        role,
        calls: r.count,
        meanMs: (r.sum / r.count) * 1000,
        p50Ms: histogramQuantile(buckets, 0.5) * 1000,
        p95Ms: histogramQuantile(buckets, 0.95) * 1000,
      };
    })
    .sort((a, b) => a.role.localeCompare(b.role));
}

/** Which stage spends each LLM role's tokens. */
export const ROLE_STAGE: Readonly<Record<string, string>> = { evolver: 'evolve', responder: 'respond', judge: 'eliminate' };

async function eachLine(file: string, fn: (value: unknown) => void): Promise<{ lines: number; bad: number }> {
  if (!existsSync(file)) return { lines: 0, bad: 0 };
  let lines = 0;
  let bad = 0;
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad++;
      continue;
    }
    fn(value);
  }
  return { lines, bad };
}

export function distribution(values: readonly number[]): Distribution {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { n: 0, min: 0, q1: 0, median: 0, q3: 0, max: 0, mean: 0 };
  const q = (p: number) => {
    const i = (n - 1) * p;
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return (v[lo] as number) + ((v[hi] as number) - (v[lo] as number)) * (i - lo);
  };
  return {
    n,
    min: v[0] as number,
    q1: q(0.25),
    median: q(0.5),
    q3: q(0.75),
    max: v[n - 1] as number,
    mean: v.reduce((a, b) => a + b, 0) / n,
  };
}

interface LineageRow {
  id: string;
  seedId: string;
  round: number;
  state?: string;
  stage?: string;
  reason?: string;
}

const SAMPLE_CHAINS = 12;
const MAX_POINTS = 600;
const TEXT_CAP = 4000;
const cap = (s: string) => (s.length > TEXT_CAP ? `${s.slice(0, TEXT_CAP)}…` : s);

/** Read a run directory into report data; throws an `input` error naming the folder when it holds no run. */
export async function readRunDir(runDir: string): Promise<ReportData> {
  const runFile = join(runDir, 'run.json');
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new EvolflowError('input', `${runDir} is not a folder; pass the run directory that 'evolflow run --out DIR' wrote`);
  }
  let run: RunJson = {};
  if (existsSync(runFile)) {
    try {
      run = JSON.parse(await readFile(runFile, 'utf8')) as RunJson;
    } catch (cause) {
      throw new EvolflowError(
        'input',
        `${runFile} is not valid JSON (${(cause as Error).message}); the run may have been cut short, re-run it or delete the file`,
        { cause },
      );
    }
  } else if (!existsSync(join(runDir, 'kept.jsonl')) && !existsSync(join(runDir, 'seeds.jsonl'))) {
    throw new EvolflowError(
      'input',
      `${runDir} holds no run.json, kept.jsonl or seeds.jsonl; pass the run directory that 'evolflow run --out DIR' wrote`,
    );
  }

  const rounds = new Map<number, { kept: number; rejected: number; reasons: Record<string, number> }>();
  const roundOf = (r: number) => {
    let x = rounds.get(r);
    if (!x) rounds.set(r, (x = { kept: 0, rejected: 0, reasons: {} }));
    return x;
  };
  const strategies = new Map<string, { kept: number; rejected: number; reasons: Record<string, number> }>();
  const strategyOf = (s: string) => {
    let x = strategies.get(s);
    if (!x) strategies.set(s, (x = { kept: 0, rejected: 0, reasons: {} }));
    return x;
  };
  for (const s of run.config?.strategies?.enabled ?? []) strategyOf(s);
  const lengths = new Map<number, number[]>();
  const scores = new Map<number, { difficulty: number[]; estimate: number[] }>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  const similarity = { kept: [] as number[], duplicates: [] as number[] };
  const rejectExamples = new Map<string, ReportData['rejectExamples'][number]>();
  const counts = { seeds: 0, kept: 0, rejected: 0, deadLettered: 0, dataset: 0, badLines: 0 };
  let difficultyExcluded = 0;

  // Pass 1: lineage, to choose the sample chains before reading texts; then only the records of
  // the chosen seeds' families are held, and each chain is rebuilt from its final record's lineage.
  const selector = chainSelector();
  const lin = await eachLine(join(runDir, 'lineage.jsonl'), (v) => {
    const row = v as LineageRow;
    if (typeof row?.id !== 'string' || typeof row.round !== 'number') return;
    if (row.state === 'kept' || row.state === 'rejected') {
      selector.offer({
        id: row.id,
        seedId: String(row.seedId ?? row.id),
        round: row.round,
        state: row.state,
        ...(row.stage ? { stage: row.stage } : {}),
        ...(row.reason ? { reason: row.reason } : {}),
      });
    }
    if (row.state === 'dead-lettered') counts.deadLettered++;
  });
  counts.badLines += lin.bad;
  const chosen = selector.chosen();
  const families = new Set(chosen.map((c) => c.seedId));
  const texts = new Map<string, ChainStep & { response?: string; chain: string[] }>();
  const remember = (r: EvolRecord) => {
    if (!families.has(r.seedId)) return;
    const d = r.scores?.difficulty ?? r.scores?.estimate;
    texts.set(r.id, {
      id: r.id,
      round: r.round,
      strategy: r.strategy ?? null,
      instruction: cap(r.instruction),
      words: wordCount(r.instruction),
      chain: [r.seedId, ...(Array.isArray(r.lineage) ? r.lineage.map((l) => l.id) : [])],
      ...(d === undefined ? {} : { difficulty: d }),
      ...(r.response === undefined ? {} : { response: cap(r.response) }),
    });
  };
  const score = (r: EvolRecord) => {
    let s = scores.get(r.round);
    if (!s) scores.set(r.round, (s = { difficulty: [], estimate: [] }));
    if (typeof r.scores?.difficulty === 'number') s.difficulty.push(r.scores.difficulty);
    s.estimate.push(typeof r.scores?.estimate === 'number' ? r.scores.estimate : estimateDifficulty(r.instruction, { round: r.round }));
  };

  const seeds = await eachLine(join(runDir, 'seeds.jsonl'), (v) => {
    const r = v as EvolRecord;
    if (typeof r?.instruction !== 'string') return;
    counts.seeds++;
    roundOf(0).kept++;
    push(lengths, 0, wordCount(r.instruction));
    score(r);
    remember(r);
  });
  const kept = await eachLine(join(runDir, 'kept.jsonl'), (v) => {
    const r = v as EvolRecord;
    if (typeof r?.instruction !== 'string' || typeof r.round !== 'number') return;
    counts.kept++;
    roundOf(r.round).kept++;
    if (r.strategy) strategyOf(r.strategy).kept++;
    push(lengths, r.round, wordCount(r.instruction));
    // "Difficulty rises per round" is about records that passed every rule, never rejected or waved-through ones.
    if (passedEveryRule(r)) score(r);
    else difficultyExcluded++;
    if (typeof r.dedup?.similarity === 'number') similarity.kept.push(r.dedup.similarity);
    remember(r);
  });
  const rejected = await eachLine(join(runDir, 'rejected.jsonl'), (v) => {
    const r = v as EvolRecord;
    if (typeof r?.round !== 'number') return;
    counts.rejected++;
    const reason = r.rejection?.reason ?? 'unknown';
    const round = roundOf(r.round);
    round.rejected++;
    round.reasons[reason] = (round.reasons[reason] ?? 0) + 1;
    if (r.strategy && r.round > 0) {
      const s = strategyOf(r.strategy);
      s.rejected++;
      s.reasons[reason] = (s.reasons[reason] ?? 0) + 1;
    }
    if (reason === 'duplicate' && typeof r.dedup?.similarity === 'number') similarity.duplicates.push(r.dedup.similarity);
    if (typeof r.instruction === 'string') remember(r);
    if (!rejectExamples.has(reason)) {
      rejectExamples.set(reason, {
        reason,
        stage: r.rejection?.stage ?? '?',
        strategy: r.strategy ?? null,
        round: r.round,
        id: r.id,
        instruction: cap(String(r.instruction ?? '')),
        ...(r.rejection?.detail ? { detail: cap(r.rejection.detail) } : {}),
      });
    }
  });
  const dataset = await eachLine(join(runDir, 'data/jsonl/train-00000-of-00001.jsonl'), () => undefined);
  const metricsFile = join(runDir, 'metrics.prom');
  const latency = existsSync(metricsFile) ? latencyFromMetrics(await readFile(metricsFile, 'utf8')) : [];
  const stageCounts = Object.entries(run.stages ?? {}).map(([stage, st]) => ({
    stage,
    in: st.in ?? 0,
    out: st.out ?? 0,
    rejected: st.rejected ?? 0,
    absorbed: st.absorbed ?? 0,
    deadLettered: st.deadLettered ?? 0,
    cancelled: st.cancelled ?? 0,
    retries: st.retries ?? 0,
  }));
  counts.dataset = dataset.lines;
  counts.badLines += seeds.bad + kept.bad + rejected.bad;

  const sortedRounds = [...rounds.keys()].sort((a, b) => a - b);
  const lengthByRound = [...lengths.keys()].sort((a, b) => a - b).map((round) => ({ round, dist: distribution(lengths.get(round) ?? []) }));
  const anyDifficulty = [...scores.values()].some((s) => s.difficulty.length > 0);
  const source = anyDifficulty ? 'difficulty' : 'estimate';
  const difficultyByRound = [...scores.keys()]
    .sort((a, b) => a - b)
    .map((round) => ({ round, dist: distribution(scores.get(round)?.[source] ?? []), source }) as const)
    .filter((d) => d.dist.n > 0);

  const roles = run.config?.llm?.roles ?? {};
  const perStage = Object.entries(run.llm?.byRole ?? {}).map(([role, u]) => {
    const tokens = { promptTokens: u.promptTokens ?? 0, completionTokens: u.completionTokens ?? 0 };
    const price = roles[role];
    return {
      stage: ROLE_STAGE[role] ?? role,
      role,
      calls: u.calls ?? 0,
      ...tokens,
      costUsd: roleCost(tokens, { pricePerMTokIn: price?.pricePerMTokIn ?? 0, pricePerMTokOut: price?.pricePerMTokOut ?? 0 }),
    };
  });

  const throughput: ReportData['throughput'] = [];
  // A long run samples every second for hours: keep at most MAX_POINTS, each rate over its stride.
  const full = run.timeline ?? [];
  const stride = Math.max(1, Math.ceil(full.length / MAX_POINTS));
  const timeline = full.filter((_, i) => i % stride === 0 || i === full.length - 1);
  for (let i = 1; i < timeline.length; i++) {
    const a = timeline[i - 1] as NonNullable<RunJson['timeline']>[number];
    const b = timeline[i] as NonNullable<RunJson['timeline']>[number];
    const dt = (b.t - a.t) / 1000;
    if (!(dt > 0)) continue;
    const rates: Record<string, number> = {};
    for (const [stage, s] of Object.entries(b.stages ?? {})) {
      const p = a.stages?.[stage];
      rates[stage] = Math.max(0, ((s.out ?? 0) + (s.rejected ?? 0) - ((p?.out ?? 0) + (p?.rejected ?? 0))) / dt);
    }
    throughput.push({ t: b.t, rates });
  }

  const samples: SampleChain[] = chosen.map((row) => {
    const final = texts.get(row.id);
    const steps = (final?.chain ?? [row.seedId, row.id])
      .map((id) => texts.get(id))
      .filter((x): x is NonNullable<typeof x> => x !== undefined);
    const last = steps.at(-1);
    return {
      finalId: row.id,
      state: row.state ?? '?',
      ...(row.reason ? { reason: row.reason } : {}),
      steps: steps.map(({ response: _r, chain: _c, ...step }) => step),
      ...(last?.response && last.id === row.id ? { response: last.response } : {}),
    };
  });

  return {
    runDir,
    run,
    rounds: sortedRounds.map((round) => ({
      round,
      ...(rounds.get(round) as { kept: number; rejected: number; reasons: Record<string, number> }),
    })),
    strategies: [...strategies].map(([strategy, s]) => ({ strategy, ...s })).sort((a, b) => a.strategy.localeCompare(b.strategy)),
    lengthByRound,
    difficultyByRound,
    difficultyExcluded,
    similarity,
    perStage,
    throughput,
    samples,
    rejectExamples: [...rejectExamples.values()].sort((a, b) => a.reason.localeCompare(b.reason)),
    counts,
    stageCounts,
    latency,
  };
}

/**
 * Chooses sample chains while lineage.jsonl streams by: the deepest kept record of each seed (the
 * deepest seeds first, ids in a stable order), plus the two deepest rejected ones of round 2 or
 * later. Holds one row per seed, never the whole lineage.
 */
function chainSelector() {
  const deepestFirst = (a: LineageRow, b: LineageRow) => b.round - a.round || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const bestPerSeed = new Map<string, LineageRow>();
  let rejected: LineageRow[] = [];
  return {
    offer(row: LineageRow) {
      if (row.round <= 0) return;
      if (row.state === 'kept') {
        const best = bestPerSeed.get(row.seedId);
        if (!best || deepestFirst(row, best) < 0) bestPerSeed.set(row.seedId, row);
      } else if (row.state === 'rejected' && row.round > 1) {
        rejected = [...rejected, row].sort(deepestFirst).slice(0, 2);
      }
    },
    chosen(): LineageRow[] {
      return [...[...bestPerSeed.values()].sort(deepestFirst).slice(0, SAMPLE_CHAINS - 2), ...rejected];
    },
  };
}
