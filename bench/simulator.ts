// The LLM simulator's throughput: `evolflow simulate` in its own process (one core) at 0 ms
// latency, driven over keep-alive HTTP with a realistic mix (six strategies' evolver prompts,
// responder requests, equality and difficulty judges over the self-instruct seeds).
// Target: thousands of requests/s. Usage: npx tsx bench/simulator.ts [--requests N] [--concurrency N]
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadStrategy, type EvolRecord } from '@evolflow/core';
import { SELF_INSTRUCT, spawnSimulator, writeResults } from './support.ts';

const { values } = parseArgs({ options: { requests: { type: 'string' }, concurrency: { type: 'string' } } });
const total = Number(values.requests ?? 30_000);
const concurrency = Number(values.concurrency ?? 64);
const logger = { debug() {}, info() {}, warn() {}, error() {} };

const seeds: EvolRecord[] = readFileSync(SELF_INSTRUCT, 'utf8')
  .trim()
  .split('\n')
  .map((line, i) => {
    const t = JSON.parse(line) as { instruction: string; instances: { input: string }[] };
    const input = t.instances[0]?.input ?? '';
    return {
      id: `s-${i}`,
      seedId: `s-${i}`,
      parentId: null,
      round: 0,
      instruction: t.instruction,
      ...(input ? { input } : {}),
      lineage: [],
      checks: [],
      usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
    };
  });
const names = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'];
const strategies = await Promise.all(names.map((n) => loadStrategy(n)));

// A pool of distinct request bodies: 6 evolver prompts, 1 responder, 1 judge per seed and variant.
const bodies: string[] = [];
for (let variant = 0; bodies.length < total; variant++) {
  for (const seed of seeds) {
    const parent = variant === 0 ? seed : { ...seed, instruction: `${seed.instruction} (variant ${variant})` };
    for (const s of strategies)
      bodies.push(
        JSON.stringify({ model: 'sim', messages: s.prompt(parent, { random: () => (variant % 7) / 7, options: {}, logger }).messages }),
      );
    bodies.push(JSON.stringify({ model: 'sim', messages: [{ role: 'user', content: parent.instruction }] }));
    bodies.push(
      JSON.stringify({
        model: 'sim',
        messages: [
          {
            role: 'user',
            content: `The First Prompt: ${seed.instruction}\nThe Second Prompt: ${parent.instruction}\nYour judgement (Equal or Not Equal):`,
          },
        ],
      }),
    );
  }
}
bodies.length = total;

async function drive(url: string, list: string[]): Promise<{ seconds: number; ok: number; failed: number; bytes: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(`${url}/chat/completions`);
  let next = 0,
    ok = 0,
    failed = 0,
    bytes = 0;
  const one = (body: string) =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) await one(list[next++] as string);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return { seconds, ok, failed, bytes };
}

const sim = await spawnSimulator({ latencyMs: 0 });
try {
  await drive(sim.url, bodies.slice(0, 2000)); // warm-up (JIT)
  const mixed = await drive(sim.url, bodies);
  const responder = await drive(
    sim.url,
    bodies
      .filter((_, i) => i % 8 === 6)
      .concat(bodies.filter((_, i) => i % 8 === 6))
      .slice(0, 10_000),
  );
  writeResults('simulator', {
    requests: total,
    concurrency,
    mixed: {
      requestsPerSecond: Math.round(mixed.ok / mixed.seconds),
      seconds: Number(mixed.seconds.toFixed(2)),
      ok: mixed.ok,
      failed: mixed.failed,
      mbReceived: Number((mixed.bytes / 1e6).toFixed(1)),
    },
    responderOnly: { requestsPerSecond: Math.round(responder.ok / responder.seconds), ok: responder.ok, failed: responder.failed },
    note: 'simulator in its own process (one core), client in this process; both share a 2-core machine with other work',
  });
} finally {
  await sim.stop();
}
