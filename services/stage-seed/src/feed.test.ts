import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type EvolRecord, type LlmCaller, type Logger } from '@evolflow/core';
import { SeedFeed, type SeedTopic } from './feed.ts';
import { createSeedStage } from './handler.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A seeds topic that keeps what it is given. */
function topic(): SeedTopic & { records: EvolRecord[] } {
  const records: EvolRecord[] = [];
  return { records, publish: async (_t, batch) => void records.push(...batch), backlog: async () => 0 };
}

function seedFile(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'evolflow-feed-'));
  dirs.push(dir);
  const file = join(dir, 'seeds.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('SeedFeed', () => {
  it('publishes every line of a seed file in order, its rejects too, and counts both', async () => {
    const file = seedFile([
      '{"instruction":"Name three rivers."}',
      '{"instruction": oops',
      '{"instruction":""}',
      '{"instruction":"Sum 2 and 3."}',
    ]);
    const t = topic();
    const feed = new SeedFeed({ files: [file], topic: t });
    await feed.run();
    expect({ seeds: feed.seeds, rejects: feed.rejects, fed: feed.fed }).toEqual({ seeds: 2, rejects: 2, fed: true });
    expect(t.records.map((r) => r.rejection?.reason ?? 'seed')).toEqual(['seed', 'malformed-line', 'empty-instruction', 'seed']);
    expect(t.records.map((r) => r.source?.line)).toEqual([1, 2, 3, 4]);
  });

  it('publishes nothing once its signal has aborted', async () => {
    const t = topic();
    const feed = new SeedFeed({
      files: [seedFile(['{"instruction":"Name three rivers."}'])],
      topic: t,
      signal: AbortSignal.abort('SIGINT'),
    });
    await feed.run();
    expect({ published: t.records.length, fed: feed.fed }).toEqual({ published: 0, fed: false });
  });

  it("the seed stage sends the reader's rejects to rejected and the seeds to replay and pool", async () => {
    const warned: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warned.push(m), error() {} };
    const stage = await createSeedStage({ config: DEFAULT_CONFIG, logger, llm: {} as LlmCaller, cwd: '.', outDir: '.' });
    const t = topic();
    await new SeedFeed({ files: [seedFile(['{"instruction":"Name three rivers."}', 'not json at all {'])], topic: t }).run();
    const emits = await Promise.all(
      t.records.map(async (r) =>
        (await stage.handle(r, undefined, 'seeds')).map((e) => `${e.topic}:${e.record.rejection?.reason ?? 'ok'}`),
      ),
    );
    expect(emits).toEqual([['replay:ok', 'pool:ok'], ['rejected:malformed-line']]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^seed rejected: .*seeds\.jsonl:2/);
  });
});
