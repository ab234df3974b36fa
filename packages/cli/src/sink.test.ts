// The run's sink as an external merge sort: with a tiny run budget it spills many sorted run files,
// yet writes exactly what one big in-memory buffer writes (and what a plain last-line-wins model of
// the published records says): every file sorted by id, one line per distinct id (a redelivered
// record's last line), lineage's seed, kept, rejected order per id, dead letters in arrival order,
// and exact counts and tallies after `write`, while its buffered bytes stay under the budget.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { deadLetterOf, InMemoryTransport, waitDrained, type DeadLetter } from '@evolflow/transport';
import { lineageOf, startSink, type Sink, type SinkOptions, type Tally } from './sink.ts';

const usage = { promptTokens: 1, completionTokens: 2, calls: 1 };
const dirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `sink-${name}-`));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const STRATEGIES = ['deepening', 'add-constraints', 'concretizing'] as const;

function seed(i: number): EvolRecord {
  const instruction = i % 7 === 0 ? `用三句话解释第 ${i} 个概念。` : `Name a colour number ${i}.`;
  const id = seedRecordId('seeds.jsonl', i + 1, instruction);
  return { id, seedId: id, parentId: null, round: 0, instruction, response: `Colour ${i}.`, lineage: [], checks: [], usage };
}

function child(s: EvolRecord, round: number, strategy: string): EvolRecord {
  const id = childRecordId(s.id, round);
  return {
    ...s,
    id,
    parentId: round === 1 ? s.id : childRecordId(s.id, round - 1),
    round,
    strategy,
    instruction: `${s.instruction} Explain why, step by step (round ${round}).`,
    lineage: Array.from({ length: round }, (_, r) => ({ id: childRecordId(s.id, r + 1), round: r + 1, strategy })),
  };
}

type Topic = 'unique' | 'replay' | 'rejected' | 'curriculum';

/**
 * The published traffic of a small run: `n` seeds replayed, two rounds each kept or rejected, some
 * seeds rejected, batches of the kept, and redeliveries (the same id again with a changed field).
 */
function traffic(n: number): [Topic, EvolRecord][] {
  const out: [Topic, EvolRecord][] = [];
  for (let i = 0; i < n; i++) {
    const s = seed(i);
    if (i % 11 === 5) {
      out.push(['rejected', { ...s, rejection: { stage: 'seed', reason: 'empty' } }]);
      continue;
    }
    out.push(['replay', s]);
    const strategy = STRATEGIES[i % 3] as string;
    const r1 = child(s, 1, strategy);
    out.push(['unique', r1]);
    out.push(['curriculum', { ...r1, batch: { index: i >> 3, position: 1, size: 8, replay: false } }]);
    out.push(['curriculum', { ...s, batch: { index: i >> 3, position: 0, size: 8, replay: true } }]);
    if (i % 4 === 0) {
      const reason = i % 8 === 0 ? 'llm-error' : 'too-similar';
      const detail = reason === 'llm-error' ? `HTTP 500 on call ${i}` : 'nearest 0.97';
      out.push(['rejected', { ...child(s, 2, strategy), rejection: { stage: i % 8 === 0 ? 'evolve' : 'dedup', reason, detail } }]);
    } else {
      const r2 = { ...child(s, 2, strategy), ...(i % 9 === 0 ? { instruction: 'x'.repeat(100_000) } : {}) };
      out.push(['unique', r2]);
      out.push(['curriculum', { ...r2, batch: { index: i >> 3, position: 2, size: 8, replay: false } }]);
    }
  }
  // Redeliveries, late in the run (after spills): the same ids with a changed field; the last line wins.
  for (let i = 1; i < n; i += 6) {
    const s = seed(i);
    if (i % 11 === 5) continue;
    out.push(['unique', { ...child(s, 1, STRATEGIES[i % 3] as string), response: `Redelivered ${i}.` }]);
    out.push(['replay', { ...s, response: `Seed redelivered ${i}.` }]);
    out.push(['curriculum', { ...s, batch: { index: i >> 3, position: 0, size: 8, replay: true } }]);
  }
  // An evolution rejected twice, for a different reason the second time.
  const s0 = seed(4);
  out.push(['rejected', { ...child(s0, 2, STRATEGIES[1]), rejection: { stage: 'eliminate', reason: 'no-progress' } }]);
  return out;
}

async function publishAll(transport: InMemoryTransport, items: readonly [Topic, EvolRecord][]): Promise<void> {
  for (const [topic, record] of items) await transport.publish(topic, [record]);
}

/** Dead-letter `n` messages; returns them in the order sent. */
async function letters(transport: InMemoryTransport, n: number): Promise<DeadLetter[]> {
  const sent: DeadLetter[] = [];
  for (let i = 0; i < n; i++) {
    const letter = deadLetterOf(`{"bad": ${i}`, new Error(`not JSON ${i}`), { topic: 'unique', offset: String(i) });
    sent.push(letter);
    await transport.deadLetter(letter);
  }
  return sent;
}

const FILES = ['kept.jsonl', 'seeds.jsonl', 'rejected.jsonl', 'lineage.jsonl', 'dlq.jsonl'] as const;
const read = (dir: string) =>
  Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')])) as Record<(typeof FILES)[number], string>;

/** What the sink must write and count, from a plain model: the last line of each id, sorted by id. */
function expected(items: readonly [Topic, EvolRecord][]) {
  const last = (topic: Topic) => new Map(items.filter(([t]) => t === topic).map(([, r]) => [r.id, r]));
  const sorted = (m: Map<string, EvolRecord>) => [...m.keys()].sort().map((k) => m.get(k) as EvolRecord);
  const kept = sorted(last('unique'));
  const seeds = sorted(last('replay'));
  const rejected = sorted(last('rejected'));
  const lineage = [
    ...seeds.map((r) => [`${r.id}\u00000`, lineageOf(r, 'seed')] as const),
    ...kept.map((r) => [`${r.id}\u00001`, lineageOf(r, 'kept')] as const),
    ...rejected.map((r) => [`${r.id}\u00002`, lineageOf(r, 'rejected')] as const),
  ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const jsonl = (rs: readonly unknown[]) => rs.map((r) => `${JSON.stringify(r)}\n`).join('');
  const rounds: Tally = {};
  const strategies: Tally = {};
  const tally = (r: EvolRecord, reason?: string) => {
    for (const [into, key] of [
      [rounds, String(r.round)],
      [strategies, r.strategy ?? 'none'],
    ] as const) {
      const slot = (into[key] ??= { kept: 0, rejected: {} });
      if (reason === undefined) slot.kept++;
      else slot.rejected[reason] = (slot.rejected[reason] ?? 0) + 1;
    }
  };
  for (const r of kept) tally(r);
  for (const r of rejected) if (r.round > 0) tally(r, r.rejection?.reason ?? 'unknown');
  const batches = new Map(items.filter(([t]) => t === 'curriculum').map(([, r]) => [`${r.id}#${r.batch?.index}`, r]));
  return {
    files: {
      'kept.jsonl': jsonl(kept),
      'seeds.jsonl': jsonl(seeds),
      'rejected.jsonl': jsonl(rejected),
      'lineage.jsonl': jsonl(lineage.map(([, l]) => l)),
    },
    counts: {
      kept: kept.length,
      seeds: seeds.length,
      rejected: rejected.length,
      evolvedRejected: rejected.filter((r) => r.round > 0).length,
    },
    rounds,
    strategies,
    curriculum: { records: batches.size, replayed: [...batches.values()].filter((r) => r.batch?.replay).length },
  };
}

async function runSink(items: readonly [Topic, EvolRecord][], options: Omit<SinkOptions, 'spoolDir'>, deadLetters = 3) {
  const transport = new InMemoryTransport();
  const spoolDir = join(tempDir('spool'), '.evolflow-spool');
  const sink = await startSink(transport, 'test-sink', { spoolDir, ...options });
  await publishAll(transport, items);
  const sent = await letters(transport, deadLetters);
  await waitDrained(transport);
  const during = { counts: sink.counts(), stats: sink.stats() };
  await sink.stop();
  const out = tempDir('out');
  await sink.write(out);
  return { sink, out, during, spoolDir, transport, sent };
}

const after = (sink: Sink) => ({
  counts: sink.counts(),
  rounds: sink.rounds,
  strategies: sink.strategies,
  curriculum: sink.curriculum(),
  llmError: sink.llmErrorSample(),
});

describe('startSink as an external merge sort', () => {
  const items = traffic(120);

  it('writes sorted files with the last line of each id and exact counts, from many run files', async () => {
    const { sink, out, during, spoolDir, sent } = await runSink(items, { runBytes: 2048, highWaterMark: 512 });
    // Many spills: every spool but dlq made run files.
    expect(during.stats.spools.lineage.runs).toBeGreaterThan(50);
    expect(during.stats.spools.kept.runs).toBeGreaterThan(20);
    expect(during.stats.spools.curriculum.runs).toBeGreaterThan(2);
    const files = read(out);
    const want = expected(items);
    for (const f of ['kept.jsonl', 'seeds.jsonl', 'rejected.jsonl', 'lineage.jsonl'] as const) expect(files[f]).toBe(want.files[f]);
    // Exact figures, by hand: of 120 seeds, 11 are rejected (i % 11 === 5: 5, 16, ..., 115), 109 replayed;
    // round 1 kept for all 109; round 2 rejected for the 27 of them with i % 4 === 0 (30 values less 16,
    // 60 and 104), 13 for llm-error (i % 8 === 0) and 14 too-similar, of which seed 4's is replaced by
    // a no-progress rejection; kept for the other 82.
    const c = sink.counts();
    expect(c).toEqual({ kept: 191, seeds: 109, rejected: 38, evolvedRejected: 27, deadLetters: 3 });
    expect(c).toEqual({ ...want.counts, deadLetters: 3 });
    // During the run, appends were counted: the 18 redelivered kept and seed lines (i = 1, 7, ..., 115
    // less 49 and 115), and the second rejection.
    expect(during.counts).toEqual({ kept: 191 + 18, seeds: 109 + 18, rejected: 39, evolvedRejected: 28, deadLetters: 3 });
    expect(files['kept.jsonl']?.split('\n').length).toBe(191 + 1);
    // A redelivered record replaced its line; the first rejection of seed 4's round 2 was replaced by the second.
    const s1 = seed(1);
    expect(files['kept.jsonl']).toContain(`"response":"Redelivered 1."`);
    expect(files['seeds.jsonl']).toContain(JSON.stringify({ ...s1, response: 'Seed redelivered 1.' }));
    expect(files['seeds.jsonl']).not.toContain(JSON.stringify(s1));
    const r4 = files['rejected.jsonl'].split('\n').filter((l) => l.includes(childRecordId(seed(4).id, 2)));
    expect(r4).toHaveLength(1);
    expect(r4[0]).toContain('"reason":"no-progress"');
    // Lineage: per id seed, kept, rejected; ids sorted.
    const lineage = files['lineage.jsonl']
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; state: string });
    expect(lineage).toHaveLength(109 + 191 + 38);
    const ids = lineage.map((l) => l.id);
    expect(ids).toEqual([...ids].sort());
    // Dead letters in arrival order.
    expect(files['dlq.jsonl']).toBe(sent.map((l) => `${JSON.stringify(l)}\n`).join(''));
    // Tallies and the curriculum exact, from the merge.
    const a = after(sink);
    expect(a.rounds).toEqual(want.rounds);
    expect(a.strategies).toEqual(want.strategies);
    expect(a.rounds).toEqual({
      '1': { kept: 109, rejected: {} },
      '2': { kept: 82, rejected: { 'llm-error': 13, 'too-similar': 13, 'no-progress': 1 } },
    });
    expect(a.curriculum).toEqual(want.curriculum);
    expect(a.curriculum).toEqual({ records: 109 + 109 + 82, replayed: 109 });
    // The first llm-error rejection written (seed 0's round 2).
    expect(a.llmError).toBe('HTTP 500 on call 0');
    // The spool folder is gone.
    expect(() => readdirSync(spoolDir)).toThrow();
  });

  it('writes byte for byte what one big buffer writes, with the same counts and tallies, at any fan-in', async () => {
    const big = await runSink(items, { runBytes: 1 << 30 });
    expect(big.during.stats.spools.lineage.runs).toBe(0);
    for (const options of [{ runBytes: 2048 }, { runBytes: 2048, mergeFanIn: 3 }, { runBytes: 700, mergeFanIn: 2, highWaterMark: 64 }]) {
      const small = await runSink(items, options);
      expect(small.during.stats.spools.lineage.runs).toBeGreaterThan(10);
      const a = read(small.out);
      const b = read(big.out);
      for (const f of FILES.filter((f) => f !== 'dlq.jsonl')) expect(a[f], `${f} with ${JSON.stringify(options)}`).toBe(b[f]);
      // Dead letters differ only in their timestamps between the two transports.
      const noAt = (s: string | undefined) => s?.replace(/"at":"[^"]*"/g, '"at":""');
      expect(noAt(a['dlq.jsonl'])).toBe(noAt(b['dlq.jsonl']));
      expect(after(small.sink)).toEqual(after(big.sink));
      // Key order of the tallies (run.json's) is the order they first arrived in, as before.
      expect(Object.keys(small.sink.strategies)).toEqual(Object.keys(big.sink.strategies));
    }
  });

  it('makes more run files as records arrive while its buffered bytes, all spools together, stay under the budget', async () => {
    const transport = new InMemoryTransport();
    const runBytes = 4096;
    const sink = await startSink(transport, 'soak', { spoolDir: join(tempDir('soak'), 'spool'), runBytes });
    const runsSeen: number[] = [];
    let maxBuffered = 0;
    const all: [Topic, EvolRecord][] = [];
    for (let batch = 0; batch < 12; batch++) {
      const part: [Topic, EvolRecord][] = [];
      for (let i = 0; i < 40; i++) {
        const s = seed(batch * 40 + i);
        const r1 = child(s, 1, STRATEGIES[i % 3] as string);
        part.push(['replay', s], ['unique', r1], ['curriculum', { ...r1, batch: { index: batch, position: i, size: 40, replay: false } }]);
      }
      all.push(...part);
      await publishAll(transport, part);
      await waitDrained(transport);
      const stats = sink.stats();
      expect(stats.runBytes).toBe(runBytes);
      for (const [name, s] of Object.entries(stats.spools)) {
        expect(s.bufferedBytes, name).toBeLessThan(runBytes);
        maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
      }
      // The budget is for all the spools together.
      expect(Object.values(stats.spools).reduce((n, s) => n + s.bufferedBytes, 0)).toBeLessThan(runBytes);
      runsSeen.push(stats.spools.lineage.runs);
    }
    expect(maxBuffered).toBeGreaterThan(0);
    for (let i = 1; i < runsSeen.length; i++) expect(runsSeen[i]).toBeGreaterThan(runsSeen[i - 1] as number);
    await sink.stop();
    const out = tempDir('soak-out');
    await sink.write(out);
    expect(sink.counts()).toEqual({ kept: 480, seeds: 480, rejected: 0, evolvedRejected: 0, deadLetters: 0 });
    expect(sink.curriculum()).toEqual({ records: 480, replayed: 0 });
    expect(readFileSync(join(out, 'kept.jsonl'), 'utf8')).toBe(expected(all).files['kept.jsonl']);
    expect(readFileSync(join(out, 'lineage.jsonl'), 'utf8')).toBe(expected(all).files['lineage.jsonl']);
  });

  it('writes empty files and zero counts for a run with no records', async () => {
    const { sink, out } = await runSink([], { runBytes: 2048 }, 0);
    for (const f of FILES) expect(readFileSync(join(out, f), 'utf8')).toBe('');
    expect(after(sink)).toEqual({
      counts: { kept: 0, seeds: 0, rejected: 0, evolvedRejected: 0, deadLetters: 0 },
      rounds: {},
      strategies: {},
      curriculum: { records: 0, replayed: 0 },
      llmError: undefined,
    });
  });
});
