// A synthetic run directory in the exact shape `evolflow run` writes, built from the real
// self-instruct seeds in @evolflow/testdata, for report tests that must not depend on a full run.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, childRecordId, seedRecordId, seededRandom, type EvolRecord } from '@evolflow/core';
import { seedTasksPath } from '@evolflow/testdata';

export const SEEDS_FILE = seedTasksPath;

const STRATEGIES = DEFAULT_CONFIG.strategies.enabled;
const ADDITIONS: Record<string, string> = {
  'add-constraints': 'Your answer must use at most 120 words and cite one concrete example.',
  deepening: 'Explain the underlying reasons in depth and discuss at least two edge cases.',
  concretizing: 'Apply this specifically to a small bakery in Lyon that sells 300 croissants a day.',
  'increase-reasoning': 'Work through the problem step by step, stating each intermediate conclusion.',
  'complicate-input': 'The input is given as a JSON object with fields "items" and "budget".',
  mutation: 'Rewrite the task for a completely different domain: urban beekeeping.',
};
const REASONS: [string, string][] = [
  ['evolve', 'unparseable'],
  ['validate', 'meta-copy'],
  ['validate', 'unchanged'],
  ['validate', 'word-budget'],
  ['eliminate', 'no-information-gain'],
  ['eliminate', 'sorry'],
  ['eliminate', 'too-short'],
  ['dedup', 'duplicate'],
];

/** Write a run of `seeds` seeds over `rounds` rounds into `dir`; returns the counts written. */
export function writeFixtureRun(
  dir: string,
  options: { seeds?: number; rounds?: number } = {},
): { seeds: number; kept: number; rejected: number } {
  mkdirSync(dir, { recursive: true });
  const rounds = options.rounds ?? 4;
  const lines = readFileSync(SEEDS_FILE, 'utf8')
    .trim()
    .split('\n')
    .slice(0, options.seeds ?? 40);
  const random = seededRandom('observe-fixture');
  const seeds: EvolRecord[] = [];
  const kept: EvolRecord[] = [];
  const rejected: EvolRecord[] = [];
  const lineage: unknown[] = [];
  const usage = () => ({ promptTokens: 300 + Math.floor(random() * 200), completionTokens: 150 + Math.floor(random() * 300), calls: 3 });
  lines.forEach((line, i) => {
    const task = JSON.parse(line) as { instruction: string; instances: { input: string; output: string }[] };
    const seed: EvolRecord = {
      id: seedRecordId('seeds.jsonl', i + 1, task.instruction),
      seedId: '',
      parentId: null,
      round: 0,
      instruction: task.instruction,
      response: task.instances[0]?.output ?? '',
      lineage: [],
      checks: [{ stage: 'seed', reason: 'ok' }],
      usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
      scores: { estimate: 2 + Math.round(random() * 2) },
    };
    seed.seedId = seed.id;
    seeds.push(seed);
    lineage.push({ id: seed.id, seedId: seed.id, parentId: null, round: 0, strategy: null, chain: [], state: 'seed' });
    let parent = seed;
    for (let round = 1; round <= rounds; round++) {
      const strategy = STRATEGIES[Math.floor(random() * STRATEGIES.length)] as string;
      const failP = strategy === 'mutation' ? 0.45 : 0.2;
      const id = childRecordId(seed.id, round);
      const child: EvolRecord = {
        id,
        seedId: seed.id,
        parentId: parent.id,
        round,
        strategy,
        instruction: `${parent.instruction} ${ADDITIONS[strategy]}`,
        response: `A worked answer for round ${round}: ${'details '.repeat(10 + round * 5).trim()}.`,
        lineage: [...parent.lineage, { id, round, strategy }],
        checks: [{ stage: 'validate', reason: 'ok' }],
        usage: usage(),
        scores: {
          difficulty: Math.min(10, 3 + round + Math.round(random() * 2)),
          estimate: Math.min(10, 2 + round + Math.round(random() * 2)),
        },
        dedup: { nearestId: parent.id, similarity: 0.3 + random() * 0.5 },
      };
      if (random() < failP) {
        const [stage, reason] = REASONS[Math.floor(random() * REASONS.length)] as [string, string];
        const rec = {
          ...child,
          rejection: { stage: stage as 'validate', reason, detail: `fixture ${reason}` },
          ...(reason === 'duplicate' ? { dedup: { nearestId: parent.id, similarity: 0.9 + random() * 0.1 } } : {}),
        };
        rejected.push(rec);
        lineage.push({
          id,
          seedId: seed.id,
          parentId: parent.id,
          round,
          strategy,
          chain: rec.lineage.map((l) => l.strategy),
          state: 'rejected',
          stage,
          reason,
        });
        continue; // the parent goes back to the pool for the next round
      }
      kept.push(child);
      lineage.push({
        id,
        seedId: seed.id,
        parentId: parent.id,
        round,
        strategy,
        chain: child.lineage.map((l) => l.strategy),
        state: 'kept',
      });
      parent = child;
    }
  });
  const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  writeFileSync(join(dir, 'seeds.jsonl'), jsonl(seeds));
  writeFileSync(join(dir, 'kept.jsonl'), jsonl(kept));
  writeFileSync(join(dir, 'rejected.jsonl'), jsonl(rejected));
  writeFileSync(join(dir, 'lineage.jsonl'), jsonl(lineage));
  writeFileSync(join(dir, 'dlq.jsonl'), '');
  mkdirSync(join(dir, 'data/jsonl'), { recursive: true });
  writeFileSync(
    join(dir, 'data/jsonl/train-00000-of-00001.jsonl'),
    jsonl([...seeds, ...kept].map((r) => ({ instruction: r.instruction, input: '', output: r.response }))),
  );
  const role = (calls: number) => ({ calls, cacheHits: 2, promptTokens: calls * 350, completionTokens: calls * 280 });
  const evolutions = kept.length + rejected.length;
  const timeline = Array.from({ length: 12 }, (_, k) => {
    const f = k / 11;
    const done = (x: number) => Math.round(x * f);
    return {
      t: k * 1500,
      llmCalls: done(evolutions * 3),
      tokens: done(evolutions * 630),
      stages: {
        seed: { in: seeds.length, out: seeds.length, rejected: 0 },
        evolve: { in: done(evolutions), out: done(evolutions * 0.95), rejected: done(evolutions * 0.05) },
        validate: { in: done(evolutions * 0.95), out: done(evolutions * 0.85), rejected: done(evolutions * 0.1) },
        respond: { in: done(evolutions * 0.85), out: done(evolutions * 0.85), rejected: 0 },
        eliminate: { in: done(evolutions * 0.85), out: done(evolutions * 0.75), rejected: done(evolutions * 0.1) },
        dedup: { in: done(evolutions * 0.75), out: done(kept.length), rejected: done(evolutions * 0.75 - kept.length) },
      },
    };
  });
  const config = structuredClone(DEFAULT_CONFIG);
  config.llm.roles.evolver.pricePerMTokIn = 0.15;
  config.llm.roles.evolver.pricePerMTokOut = 0.6;
  config.llm.roles.responder.pricePerMTokIn = 0.15;
  config.llm.roles.responder.pricePerMTokOut = 0.6;
  const run = {
    startedAt: '2026-11-24T09:00:00.000Z',
    finishedAt: '2026-11-24T09:00:16.500Z',
    durationMs: 16_500,
    config,
    llm: {
      calls: evolutions * 3,
      cacheHits: 6,
      retries: 4,
      errors: 1,
      promptTokens: evolutions * 3 * 350,
      completionTokens: evolutions * 3 * 280,
      byRole: { evolver: role(evolutions), responder: role(evolutions), judge: role(evolutions) },
    },
    stages: {},
    totals: { seeds: seeds.length, evolutions, kept: kept.length, rejected: rejected.length, deadLettered: 0, replayed: 0 },
    rounds: {},
    strategies: {},
    timeline,
  };
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  return { seeds: seeds.length, kept: kept.length, rejected: rejected.length };
}
