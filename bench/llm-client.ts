// LLM client throughput: completed calls per second against the simulator at 0 ms latency,
// concurrency 64, cache off, so the client's own overhead (limits, retry loop, accounting, SDK)
// is what is measured. Baseline: the bare openai SDK with 64 workers on the same simulator.
// The simulator runs in its own process (as a real endpoint would); both share this machine's cores.
// Usage: npx tsx bench/llm-client.ts [calls per round=2000]   (3 rounds each, medians reported)
import { OpenAI } from 'openai';
import { DEFAULT_CONFIG, mergeDeep, type ChatMessage, type Config } from '@evolflow/core';
import { createLlmClient } from '@evolflow/llm';
import { spawnSimulator, writeResults } from './support.ts';

const CALLS = Number(process.argv[2] ?? 2000);
const ROUNDS = 3;
const CONCURRENCY = 64;

const prompt = (i: number): ChatMessage[] => [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: `Give three short tips for learning topic number ${i} quickly.` },
];

/** Run `calls` calls through `call` with at most `concurrency` at once; returns calls per second. */
async function measure(calls: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < calls) await call(next++);
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return Math.round(calls / (Number(process.hrtime.bigint() - t0) / 1e9));
}

const sim = await spawnSimulator({ latencyMs: 0 });
try {
  const config: Config['llm'] = mergeDeep(structuredClone(DEFAULT_CONFIG.llm), { concurrency: CONCURRENCY, cache: { enabled: false } });
  const llm = createLlmClient({ config, baseUrl: sim.url });
  const sdk = new OpenAI({ apiKey: 'evolflow-sim', baseURL: sim.url, maxRetries: 0 });
  const bare = (i: number) => sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt(i), temperature: 0.7, max_tokens: 1024 });
  const ours = (i: number) => llm.complete('responder', prompt(i), { recordId: `bench-${i}` });

  await measure(300, (i) => bare(1_000_000 + i)); // warm-up: connections, JIT, simulator
  await measure(300, (i) => ours(2_000_000 + i));
  // Alternate the two in rounds so drift (the simulator's growing logs, other load) hits both alike.
  const sdkRounds: number[] = [];
  const clientRounds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    sdkRounds.push(await measure(CALLS, (i) => bare(round * 2 * CALLS + i)));
    clientRounds.push(await measure(CALLS, (i) => ours((round * 2 + 1) * CALLS + i)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const sdkPerSecond = median(sdkRounds);
  const clientPerSecond = median(clientRounds);
  const usage = llm.usage();
  await llm.close();
  if (usage.errors > 0) throw new Error(`${usage.errors} calls failed`);

  process.stdout.write(`bare openai SDK      ${String(sdkPerSecond).padStart(7)} calls/s\n`);
  process.stdout.write(`@evolflow/llm client ${String(clientPerSecond).padStart(7)} calls/s (median of ${ROUNDS} x ${CALLS} calls, concurrency ${CONCURRENCY}, cache off, 0 ms latency)\n`);
  writeResults('llm-client', {
    callsPerRound: CALLS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    simulatorLatencyMs: 0,
    cache: false,
    clientCallsPerSecond: clientPerSecond,
    sdkCallsPerSecond: sdkPerSecond,
    clientRounds,
    sdkRounds,
    clientVsSdk: Number((clientPerSecond / sdkPerSecond).toFixed(3)),
    usage: { calls: usage.calls, retries: usage.retries, errors: usage.errors, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
  });
} finally {
  await sim.stop();
}
