// The dedup stage keeps its kept set across restarts: from its snapshots and from the changelog
// (a transport state log), deciding after a restart exactly as a stage that never stopped.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  childRecordId,
  DEFAULT_CONFIG,
  mergeDeep,
  type Config,
  type EvolRecord,
  type Logger,
  type StageEnv,
  type StateLog,
  type TopicName,
} from '@evolflow/core';
import { createDeduper, decodeKeptEntry, deduperOptionsFromConfig, type Deduper } from '@evolflow/dedup';
import { fakeEmbedder } from '@evolflow/dedup/testing';
import { stsbDevPath } from '@evolflow/testdata';
import { InMemoryTransport } from '@evolflow/transport';
import { describe, expect, it } from 'vitest';
import { createDedupStage, type DedupStage } from './index.ts';
import { restartBatches } from './testing/restart-batches.ts';

const STS = stsbDevPath;
const { first, second } = restartBatches(STS);
const isRepeat = (i: number) => i % 2 === 0;

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const tmp = () => mkdtempSync(join(tmpdir(), 'stage-dedup-'));
const configWith = (dedup: Partial<Config['dedup']>): Config =>
  mergeDeep(structuredClone(DEFAULT_CONFIG), { dedup: { mode: 'semantic', ...dedup }, run: { rounds: 1 } });
const envOf = (config: Config, stateLog?: StateLog): StageEnv => ({
  config,
  logger: quiet,
  llm: undefined as never,
  cwd: process.cwd(),
  outDir: tmp(),
  ...(stateLog ? { stateLog: () => stateLog } : {}),
});
const deduperFor = (config: Config): Promise<Deduper> => {
  const dir = config.dedup.snapshotDir;
  return createDeduper(deduperOptionsFromConfig(config.dedup, { embedder: fakeEmbedder(), ...(dir === '' ? {} : { snapshotDir: dir }) }));
};

/** Feed records 64 at a time (as runStage does); the topic each ended on. */
async function feed(stage: DedupStage, records: readonly EvolRecord[], from: TopicName = 'accepted'): Promise<TopicName[]> {
  const out: TopicName[] = [];
  for (let i = 0; i < records.length; i += 64) {
    const emits = await Promise.all(records.slice(i, i + 64).map((r) => stage.handle(r, undefined, from)));
    out.push(...emits.map((e) => e[0]?.topic as TopicName));
  }
  return out;
}
const kept = (topics: TopicName[]) => topics.filter((t) => t === 'unique').length;

async function reference(): Promise<{ one: TopicName[]; two: TopicName[] }> {
  const config = configWith({});
  const stage = await createDedupStage(envOf(config), await deduperFor(config));
  const one = await feed(stage, first);
  const two = await feed(stage, second);
  await stage.close();
  return { one, two };
}

describe('dedup stage restarts', () => {
  it('rebuilds from the changelog alone and drops every repeat of the first batch, as a run without restart', async () => {
    const expected = await reference();
    const log = new InMemoryTransport().stateLog('dedup-changelog');
    const config = configWith({});
    const before = await createDedupStage(envOf(config, log), await deduperFor(config));
    expect(await feed(before, first)).toEqual(expected.one);
    await before.close();
    let entries = 0;
    await log.read((e) => {
      expect(decodeKeptEntry(e.value, e.where).vector).toHaveLength(256);
      entries++;
    });
    expect(entries).toBe(kept(expected.one));

    const after = await createDedupStage(envOf(config, log), await deduperFor(config));
    expect(after.changelog?.restored).toBe(kept(expected.one));
    expect(after.deduper.size()).toBe(kept(expected.one));
    const two = await feed(after, second);
    two.forEach((t, i) => isRepeat(i) && expect(t).toBe('rejected'));
    expect(two).toEqual(expected.two);
    await after.close();
  });

  it('snapshots every dedup.snapshotEvery kept records and on close, and restarts from the snapshot', async () => {
    const expected = await reference();
    const snapshotDir = tmp();
    const config = configWith({ snapshotDir, snapshotEvery: 300 });
    const before = await createDedupStage(envOf(config), await deduperFor(config));
    await feed(before, first.slice(0, 400));
    await before.snapshot(); // waits for a periodic one under way, then writes another
    expect(existsSync(join(snapshotDir, 'snapshot.json'))).toBe(true);
    await feed(before, first.slice(400));
    await before.close();

    const after = await createDedupStage(envOf(config), await deduperFor(config));
    expect(after.changelog).toBeNull();
    expect(after.deduper.size()).toBe(kept(expected.one));
    expect(await feed(after, second)).toEqual(expected.two);
    await after.close();
  });

  it('writes to the changelog what a snapshot holds and the log lacks (a new or emptied topic)', async () => {
    const expected = await reference();
    const snapshotDir = tmp();
    const config = configWith({ snapshotDir });
    const before = await createDedupStage(envOf(config), await deduperFor(config));
    await feed(before, first);
    await before.close();

    const log = new InMemoryTransport().stateLog('dedup-changelog');
    const after = await createDedupStage(envOf(config, log), await deduperFor(config));
    expect(after.changelog).toMatchObject({ restored: 0, appended: kept(expected.one) });
    expect(await log.read(() => undefined)).toBe(kept(expected.one));
    // And a third start, from that log alone, still drops the repeats.
    const third = await createDedupStage(envOf(configWith({}), log), await deduperFor(configWith({})));
    expect(third.changelog?.restored).toBe(kept(expected.one));
    expect(await feed(third, second)).toEqual(expected.two);
    await Promise.all([after.close(), third.close()]);
  });

  it('registers seeds from replay into the changelog too', async () => {
    const log = new InMemoryTransport().stateLog('dedup-changelog');
    const config = configWith({});
    const stage = await createDedupStage(envOf(config, log), await deduperFor(config));
    await feed(stage, first.slice(0, 10), 'replay');
    expect(await log.read(() => undefined)).toBe(10);
    await stage.close();
  });
});

describe('dedup stage changelog writes', () => {
  /** A state log whose appends wait for `open()` and can be told to fail. */
  function gatedLog() {
    const entries = new Map<string, Buffer>();
    let gate!: () => void;
    let opened = new Promise<void>((r) => (gate = r));
    let failNext = false;
    const log: StateLog = {
      async append(items) {
        await opened;
        if (failNext) {
          failNext = false;
          throw new Error('broker unavailable');
        }
        for (const { key, value } of items) entries.set(key, Buffer.from(value));
      },
      async read(onEntry) {
        for (const [key, value] of entries) onEntry({ key, value, where: `gated/${key}` });
        return entries.size;
      },
    };
    return {
      log,
      entries,
      open: () => gate(),
      close: () => (opened = new Promise<void>((r) => (gate = r))),
      failOnce: () => (failNext = true),
    };
  }

  it('commits a kept record only once its changelog entry is durable; a duplicate needs no write', async () => {
    const g = gatedLog();
    const config = configWith({});
    const stage = await createDedupStage(envOf(config, g.log), await deduperFor(config));
    let settled = false;
    const keeping = Promise.resolve(stage.handle(first[0] as EvolRecord, undefined, 'accepted')).then((e) => ((settled = true), e));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(g.entries.size).toBe(0);
    g.open();
    expect((await keeping)[0]?.topic).toBe('unique');
    expect([...g.entries.keys()]).toEqual([first[0]?.id]);
    g.close();
    const copy = { ...(first[0] as EvolRecord), id: childRecordId((first[0] as EvolRecord).seedId, 2), round: 2 };
    expect((await stage.handle(copy, undefined, 'accepted'))[0]?.topic).toBe('rejected');
    g.open();
    await stage.close();
  });

  it('fails the record when its changelog write fails, and writes the entry when the record comes again', async () => {
    const g = gatedLog();
    g.open();
    const config = configWith({});
    const stage = await createDedupStage(envOf(config, g.log), await deduperFor(config));
    g.failOnce();
    const record = first[1] as EvolRecord;
    await expect(Promise.resolve(stage.handle(record, undefined, 'accepted'))).rejects.toThrow('broker unavailable');
    expect(g.entries.size).toBe(0);
    // runStage retries the record: the deduper already keeps it, and this time the entry is written.
    expect((await stage.handle(record, undefined, 'accepted'))[0]?.topic).toBe('unique');
    expect([...g.entries.keys()]).toEqual([record.id]);
    await stage.close();
  });
});
