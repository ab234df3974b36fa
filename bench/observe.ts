// Observability overhead and report cost: how many runStage record events and LLM events one
// observer absorbs per second (metrics + failure guard), what a /metrics scrape costs, and how long
// `writeReport` takes on a large run directory (and how big the HTML gets).
// Run: npx tsx bench/observe.ts [--records N]
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, childRecordId, seedRecordId, type EvolRecord, type Logger } from '@evolflow/core';
import { createObserver, writeReport, type RunStageRecordEvent } from '@evolflow/observe';
import { tempDir, writeResults } from './support.ts';

const arg = process.argv.indexOf('--records');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 100_000;
const STRATEGIES = DEFAULT_CONFIG.strategies.enabled;
const REASONS = ['meta-copy', 'unchanged', 'word-budget', 'no-information-gain', 'sorry', 'too-short', 'duplicate'];
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const base = (i: number, round: number): EvolRecord => {
  const seedId = seedRecordId('bench', i, `seed ${i}`);
  const id = round === 0 ? seedId : childRecordId(seedId, round);
  const strategy = STRATEGIES[i % STRATEGIES.length] as string;
  return {
    id,
    seedId,
    parentId: round === 0 ? null : seedId,
    round,
    instruction: `Instruction ${i} ${'with a few more words '.repeat(2 + round * 3)}`.trim(),
    response: `Response ${i} ${'text '.repeat(30)}`.trim(),
    lineage: round === 0 ? [] : [{ id, round, strategy }],
    ...(round === 0 ? {} : { strategy }),
    checks: [],
    usage: { promptTokens: 300, completionTokens: 200, calls: 3 },
    scores: { difficulty: Math.min(10, 2 + round + (i % 3)) },
    dedup: { nearestId: null, similarity: (i % 97) / 100 },
  };
};

// 1. Observer throughput on record events (a realistic mix of stages and outcomes).
const events: RunStageRecordEvent[] = [];
for (let i = 0; i < N; i++) {
  const round = 1 + (i % 4);
  const r = base(i, round);
  if (i % 5 === 0) {
    const rejected = { ...r, rejection: { stage: 'eliminate' as const, reason: REASONS[i % REASONS.length] as string } };
    events.push({
      stage: 'eliminate',
      record: r,
      outcome: 'rejected',
      emits: [
        { topic: 'rejected', record: rejected },
        { topic: 'pool', record: r },
      ],
    });
  } else {
    events.push({
      stage: 'dedup',
      record: r,
      outcome: 'out',
      emits: [
        { topic: 'unique', record: r },
        { topic: 'pool', record: r },
      ],
    });
  }
}
const observer = await createObserver({ config: DEFAULT_CONFIG, logger: quiet, strategies: STRATEGIES, processMetrics: false });
let t0 = performance.now();
for (const e of events) observer.onRecord(e);
const recordSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
for (let i = 0; i < N; i++) {
  observer.onLlmEvent({
    kind: 'request',
    role: i % 3 === 0 ? 'evolver' : i % 3 === 1 ? 'responder' : 'judge',
    model: 'gpt-4o-mini',
    latencyMs: 50 + (i % 400),
    status: 200,
    promptTokens: 300,
    completionTokens: 200,
  });
}
const llmSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const SCRAPES = 50;
let scrapeBytes = 0;
for (let i = 0; i < SCRAPES; i++) scrapeBytes = (await observer.metricsText()).length;
const scrapeMs = (performance.now() - t0) / SCRAPES;
await observer.close();

// 2. writeReport on a large run directory: N kept, N/4 rejected, N/4 seeds, lineage for all.
const dir = tempDir('bench-report');
mkdirSync(dir, { recursive: true });
const seeds = Math.max(1, Math.floor(N / 4));
const kept: string[] = [];
const rejected: string[] = [];
const seedLines: string[] = [];
const lineage: string[] = [];
for (let i = 0; i < seeds; i++) {
  const s = base(i, 0);
  seedLines.push(JSON.stringify(s));
  lineage.push(JSON.stringify({ id: s.id, seedId: s.seedId, parentId: null, round: 0, strategy: null, chain: [], state: 'seed' }));
}
for (let i = 0; i < N; i++) {
  const round = 1 + (Math.floor(i / seeds) % 4);
  const r = { ...base(i % seeds, round), id: `${childRecordId(base(i % seeds, 0).id, round)}.v${Math.floor(i / (seeds * 4))}` };
  kept.push(JSON.stringify(r));
  lineage.push(
    JSON.stringify({
      id: r.id,
      seedId: r.seedId,
      parentId: r.parentId,
      round,
      strategy: r.strategy,
      chain: r.lineage.map((l) => l.strategy),
      state: 'kept',
    }),
  );
  if (i % 4 === 0) {
    const rej = { ...r, id: `${r.id}.x`, rejection: { stage: 'eliminate', reason: REASONS[i % REASONS.length] } };
    rejected.push(JSON.stringify(rej));
    lineage.push(
      JSON.stringify({
        id: rej.id,
        seedId: r.seedId,
        parentId: r.parentId,
        round,
        strategy: r.strategy,
        chain: r.lineage.map((l) => l.strategy),
        state: 'rejected',
        stage: 'eliminate',
        reason: rej.rejection.reason,
      }),
    );
  }
}
writeFileSync(join(dir, 'seeds.jsonl'), `${seedLines.join('\n')}\n`);
writeFileSync(join(dir, 'kept.jsonl'), `${kept.join('\n')}\n`);
writeFileSync(join(dir, 'rejected.jsonl'), `${rejected.join('\n')}\n`);
writeFileSync(join(dir, 'lineage.jsonl'), `${lineage.join('\n')}\n`);
writeFileSync(
  join(dir, 'run.json'),
  JSON.stringify({
    config: DEFAULT_CONFIG,
    timeline: Array.from({ length: 600 }, (_, k) => ({
      t: k * 1000,
      stages: { evolve: { in: k * 100, out: k * 90, rejected: k * 10 } },
      llmCalls: k * 300,
      tokens: k * 150_000,
    })),
  }),
);
const inputBytes = ['seeds.jsonl', 'kept.jsonl', 'rejected.jsonl', 'lineage.jsonl'].reduce((a, f) => a + statSync(join(dir, f)).size, 0);
t0 = performance.now();
const report = await writeReport(dir);
const reportSeconds = (performance.now() - t0) / 1000;

writeResults('observe', {
  records: N,
  observer: {
    recordEventsPerSecond: Math.round(N / recordSeconds),
    llmEventsPerSecond: Math.round(N / llmSeconds),
    scrapeMs: Number(scrapeMs.toFixed(2)),
    scrapeBytes,
  },
  report: {
    inputRecords: seeds + N + rejected.length,
    inputMB: Number((inputBytes / 1e6).toFixed(1)),
    seconds: Number(reportSeconds.toFixed(2)),
    recordsPerSecond: Math.round((seeds + N + rejected.length) / reportSeconds),
    htmlKB: Math.round(statSync(report).size / 1024),
    processPeakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  },
});
