// End-to-end proofs over a real Kafka broker (scripts/kafka.sh): the whole pipeline over Kafka
// writes the same dataset as in memory; stages as separate `evolflow stage` processes survive
// SIGKILL of evolve and dedup (at-least-once + id-idempotent writes: every record exactly once);
// two evolve processes in one group share the partitions; kcat's seeds are evolved and kcat reads
// valid records back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, PIPELINE, recordProblems, type Config, type EvolRecord } from '@evolflow/core';
import { startPipeline, type RunSummary } from '@evolflow/cli';
import { jsonLogger, setupLlm } from '@evolflow/runtime';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';
import { createKafkaTransport, type DeadLetter, type KafkaTransport, type StageStats, type Transport } from '@evolflow/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBroker, kcat, quietLogger, uniquePrefix, waitFor } from './helpers/kafka.ts';
import { fleetConfig, groupMembers, runCli, spawnStage, type StageFleet, type StageProcess } from './helpers/kafka-stages.ts';
import { readJsonl, ROOT, SELF_INSTRUCT, tempDir } from './helpers/run.ts';

const SEEDS = 175;
let brokers = '';
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  brokers = await kafkaBroker();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function configOf(file: string, over: { rounds: number; outDir: string; prefix: string; simulatorUrl: string }): Readonly<Config> {
  return loadConfig({
    file,
    env: {},
    cwd: ROOT,
    overrides: {
      run: { rounds: over.rounds, outDir: over.outDir },
      llm: { provider: 'sim', baseUrl: over.simulatorUrl },
      transport: { kind: 'kafka', kafka: { brokers: [brokers], prefix: over.prefix, partitions: 3, clientId: 'evolflow-test' } },
    },
  });
}

/** Run the pipeline; `stages` limits which stages run in this process (the rest run elsewhere). */
async function runHere(
  config: Readonly<Config>,
  transport: Transport,
  {
    stages,
    onStarted,
  }: { stages?: Parameters<typeof startPipeline>[0]['stages']; onStarted?: (p: Awaited<ReturnType<typeof startPipeline>>) => void } = {},
): Promise<RunSummary> {
  const llm = await setupLlm(config);
  try {
    const pipeline = await startPipeline({
      config,
      seedFiles: [SELF_INSTRUCT],
      transport,
      llm: llm.llm,
      logger: jsonLogger('error'),
      cwd: ROOT,
      ...(stages ? { stages } : {}),
    });
    onStarted?.(pipeline);
    return await pipeline.done;
  } finally {
    await transport.close();
    await llm.close();
  }
}

/**
 * Lineages (seed ids) a dead letter touched. Records are dead-lettered only by stage failures that
 * are not the transport's (today: the validators package intermittently failing to load its
 * tree-sitter JavaScript grammar in some processes); such a lineage stops there, so the runs are
 * compared over every other lineage. The letters must not come from the transport.
 */
function deadLineages(outDir: string): Set<string> {
  const letters = readJsonl<DeadLetter>(join(outDir, 'dlq.jsonl'));
  for (const l of letters) expect(l.stage, `dead letter from outside a stage: ${l.error}`).toBeTruthy();
  return new Set(letters.map((l) => (JSON.parse(Buffer.from(l.valueBase64, 'base64').toString('utf8')) as EvolRecord).seedId));
}

const linesOf = (file: string, skip: ReadonlySet<string>) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .filter((l) => {
      const row = JSON.parse(l) as { seedId?: string; metadata?: { seedId?: string } };
      const seedId = row.seedId ?? row.metadata?.seedId;
      return seedId === undefined || !skip.has(seedId);
    })
    .sort();

/** The run's files are the same, line for line after sorting, over the lineages in neither `skip`. */
function expectSameOutputs(a: string, b: string, skip: ReadonlySet<string>): void {
  const files =
    skip.size === 0
      ? ['kept.jsonl', 'rejected.jsonl', 'seeds.jsonl', 'lineage.jsonl', 'data/jsonl/train-00000-of-00001.jsonl']
      : ['kept.jsonl', 'rejected.jsonl', 'seeds.jsonl', 'lineage.jsonl'];
  for (const f of files) {
    const left = linesOf(join(a, f), skip);
    const right = linesOf(join(b, f), skip);
    expect(right.length, f).toBe(left.length);
    expect(right.join('\n') === left.join('\n'), `${f} differs`).toBe(true);
  }
}

/** Every seed has exactly one record per round, kept or rejected (lineages in `dead` stop at their dead letter). */
function expectEveryRecordOnce(
  outDir: string,
  rounds: number,
  { dead, seeds = SEEDS }: { dead: ReadonlySet<string>; seeds?: number },
): { kept: EvolRecord[]; rejected: EvolRecord[] } {
  const kept = readJsonl(join(outDir, 'kept.jsonl'));
  const rejected = readJsonl(join(outDir, 'rejected.jsonl'));
  const seedRows = readJsonl(join(outDir, 'seeds.jsonl'));
  expect(seedRows).toHaveLength(seeds);
  expect(dead.size).toBeLessThan(seeds / 10);
  const evolved = [...kept, ...rejected.filter((r) => r.round > 0)];
  const ids = new Set(evolved.map((r) => r.id));
  expect(ids.size).toBe(evolved.length); // nobody is both kept and rejected, nobody twice
  const live = seedRows.filter((s) => !dead.has(s.id));
  for (const s of live) for (let r = 1; r <= rounds; r++) expect(ids.has(`${s.id}.r${r}`), `${s.id}.r${r}`).toBe(true);
  expect(evolved.filter((r) => !dead.has(r.seedId))).toHaveLength(live.length * rounds);
  const lineage = readJsonl<{ id: string }>(join(outDir, 'lineage.jsonl'));
  expect(lineage).toHaveLength(seeds + evolved.length);
  expect(new Set(lineage.map((l) => l.id)).size).toBe(lineage.length);
  return { kept, rejected };
}

const reconciles = (s: StageStats) => s.in === s.out + s.rejected + s.absorbed + s.deadLettered && s.inFlight === 0;

describe('the pipeline over Kafka', () => {
  it('writes the same dataset as the in-memory run (evolflow run, 4 rounds, 175 seeds, faults on)', async () => {
    const rounds = 4;
    const file = fleetConfig(tempDir('kafka-same'), 0.06);
    const common = ['--seeds', SELF_INSTRUCT, '--rounds', String(rounds), '--config', file, '--llm', 'sim'];
    const memOut = tempDir('kafka-same-mem');
    const kafOut = tempDir('kafka-same-kafka');
    await runCli(['run', ...common, '--out', memOut]);
    await runCli(['run', ...common, '--out', kafOut, '--transport', 'kafka', '--brokers', brokers, '--prefix', uniquePrefix('same')]);
    const mem = JSON.parse(readFileSync(join(memOut, 'run.json'), 'utf8')) as RunSummary;
    const kaf = JSON.parse(readFileSync(join(kafOut, 'run.json'), 'utf8')) as RunSummary;
    expect(kaf.config.transport.kind).toBe('kafka');
    const dead = new Set([...deadLineages(memOut), ...deadLineages(kafOut)]);
    if (dead.size === 0) expect(kaf.totals).toEqual(mem.totals);
    expectEveryRecordOnce(memOut, rounds, { dead });
    expectEveryRecordOnce(kafOut, rounds, { dead });
    expectSameOutputs(memOut, kafOut, dead);
    for (const s of Object.values(kaf.stages)) expect(reconciles(s), s.stage).toBe(true);
  });

  describe('stages as separate processes', () => {
    const rounds = 2;
    let sim: RunningSimulator;
    let reference = '';
    let configFile = '';

    beforeAll(async () => {
      configFile = fleetConfig(tempDir('kafka-fleet'));
      // The in-memory reference run (the CLI) with the same seeds, settings and simulator seed.
      reference = tempDir('kafka-fleet-ref');
      await runCli([
        'run',
        '--seeds',
        SELF_INSTRUCT,
        '--rounds',
        String(rounds),
        '--config',
        configFile,
        '--llm',
        'sim',
        '--out',
        reference,
      ]);
      // One simulator for every process (answers are a function of the seed and the request).
      sim = await startSimulator({ seed: 3, latencyMs: 15, faultRate: 0 });
      cleanups.push(() => sim.close());
    });

    async function fleet(name: string): Promise<{ fleet: StageFleet; transport: KafkaTransport; config: Readonly<Config> }> {
      const prefix = uniquePrefix(name);
      const outDir = tempDir(`kafka-${name}`);
      const f: StageFleet = { brokers, prefix, simulatorUrl: sim.url, rounds, outDir, configFile };
      // Topics first, so that stage processes starting together do not race to create them.
      const transport = await createKafkaTransport({ brokers: [brokers], prefix, logger: quietLogger });
      return { fleet: f, transport, config: configOf(configFile, { rounds, outDir, prefix, simulatorUrl: sim.url }) };
    }

    /** Every stage of the manifest but the mixer, which runs in the test's own process. */
    const SERVICES = PIPELINE.map((s) => s.name).filter((n) => n !== 'mix');

    function start(names: Parameters<typeof spawnStage>[0][], f: StageFleet): StageProcess[] {
      const procs = names.map((n) => spawnStage(n, f));
      cleanups.push(async () => Promise.all(procs.map((p) => (p.child.exitCode === null ? p.kill() : undefined))));
      return procs;
    }

    it('survives SIGKILL of the evolve and dedup processes: every record exactly once, counts reconcile', async () => {
      const { fleet: f, transport, config } = await fleet('crash');
      const procs = start(SERVICES, f);
      await Promise.all(procs.map((p) => p.running));
      const byName = (n: string) =>
        procs.find((p) => p.name === n && p.child.exitCode === null && p.child.signalCode === null) as StageProcess;
      let killedAt = -1;
      const killer = async (pipeline: Awaited<ReturnType<typeof startPipeline>>) => {
        // Mid-run: a third of the evolutions have reached their terminal state.
        await waitFor('a third of the run', () => pipeline.progress().terminal >= SEEDS + (SEEDS * rounds) / 3, {
          timeoutMs: 300_000,
          intervalMs: 50,
        });
        killedAt = pipeline.progress().terminal;
        await Promise.all([byName('evolve').kill(), byName('dedup').kill()]);
        const again = start(['evolve', 'dedup'], f);
        procs.push(...again);
        await Promise.all(again.map((p) => p.running));
      };
      let killing: Promise<void> = Promise.resolve();
      const summary = await runHere(config, transport, { stages: ['mix'], onStarted: (p) => void (killing = killer(p)) });
      await killing;
      expect(killedAt).toBeGreaterThan(SEEDS);
      expect(killedAt).toBeLessThan(SEEDS * (1 + rounds));
      const live = procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      const stats = await Promise.all(live.map((p) => p.stop()));
      for (const s of stats) expect(reconciles(s), s.stage).toBe(true);

      expect(summary.totals.seeds).toBe(SEEDS);
      const dead = new Set([...deadLineages(reference), ...deadLineages(f.outDir)]);
      const { kept } = expectEveryRecordOnce(f.outDir, rounds, { dead });
      expect(summary.totals.kept).toBe(kept.length);
      const dataset = readJsonl(join(f.outDir, 'data/jsonl/train-00000-of-00001.jsonl'));
      expect(dataset.length).toBe(summary.totals.dataset);
      // The broker holds what the replays re-emitted (at-least-once); the files hold each id once.
      const evolvedIds = (await kcat(brokers, ['-C', '-t', transport.topicName('evolved'), '-o', 'beginning', '-e', '-q', '-f', '%k %o\n']))
        .split('\n')
        .filter(Boolean);
      expect(evolvedIds.length).toBeGreaterThanOrEqual(SEEDS * rounds - dead.size * rounds);
      // And nothing differs from the in-memory run: the replays after the kill re-emitted the same records.
      expectSameOutputs(reference, f.outDir, dead);
    });

    it('shares the partitions between two evolve processes in one group; kcat seeds are evolved and read back by kcat', async () => {
      const { fleet: f, transport, config } = await fleet('scale');
      const procs = start([...SERVICES, 'evolve'], f);
      await Promise.all(procs.map((p) => p.running));
      await waitFor(
        'two evolve members holding the 3 pool partitions',
        async () => {
          const members = await groupMembers(brokers, `${f.prefix}evolve`);
          return members.length === 2 && members.every((n) => n > 0) && members.reduce((a, b) => a + b, 0) === 3;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      // A foreign producer's plain seeds, before the run starts.
      const foreign = ['Describe how a bicycle gear works.', 'List four uses of baking soda.', 'Explain what a prime number is.'];
      await kcat(
        brokers,
        ['-P', '-t', transport.topicName('seeds'), '-X', 'topic.partitioner=murmur2_random'],
        `${foreign.map((i) => JSON.stringify({ instruction: i, output: 'An answer.' })).join('\n')}\n`,
      );
      const summary = await runHere(config, transport, { stages: ['mix'] });
      const stats = await Promise.all(procs.map((p) => p.stop()));
      const evolves = stats.filter((s) => s.stage === 'evolve');
      expect(evolves).toHaveLength(2);
      const total = SEEDS + foreign.length;
      expect(evolves.every((s) => s.in > 0)).toBe(true);
      // Together all, once: the two evolve processes' inputs add up to every `pool` message any stage emitted.
      const poolMessages = stats.reduce((n, s) => n + (s.emitted.pool ?? 0), 0);
      expect(poolMessages).toBeGreaterThanOrEqual(total * rounds);
      expect(evolves.reduce((n, s) => n + s.in, 0)).toBe(poolMessages);
      for (const s of stats) expect(reconciles(s), s.stage).toBe(true);
      expect(summary.totals.seeds).toBe(total);
      expectEveryRecordOnce(f.outDir, rounds, { dead: deadLineages(f.outDir), seeds: total });

      // kcat reads the run back: the foreign seeds' replay records and their evolutions, all valid.
      const read = async (topic: 'replay' | 'unique' | 'rejected') =>
        (await kcat(brokers, ['-C', '-t', transport.topicName(topic), '-o', 'beginning', '-e', '-q', '-f', '%s\n']))
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as EvolRecord);
      const replay = await read('replay');
      expect(replay.every((r) => recordProblems(r).length === 0)).toBe(true);
      const foreignSeeds = replay.filter((r) => r.source?.file.startsWith('topic:seeds/'));
      expect(foreignSeeds.map((r) => r.instruction).sort()).toEqual([...foreign].sort());
      const seedIds = new Set(foreignSeeds.map((r) => r.id));
      const outputs = [...(await read('unique')), ...(await read('rejected'))];
      expect(outputs.every((r) => recordProblems(r).length === 0)).toBe(true);
      const evolvedForeign = new Set(outputs.filter((r) => seedIds.has(r.seedId) && r.round > 0).map((r) => r.id));
      expect(evolvedForeign.size).toBe(foreign.length * rounds);
    });
  });
});
