// LLM client cost: CPU per call (process.cpuUsage of this process: the client, not the simulator)
// and calls per second against the simulator at 0 ms latency, concurrency 64, cache off, so the
// client's own overhead (limits, retry loop, accounting, HTTP) is what is measured. Reference: the
// bare openai SDK with 64 workers on the same simulator.
// Before/after a change to the client: pass `--before <checkout>`, a checkout of the older commit
// whose @evolflow/llm is loaded into this process and measured in rounds alternating with the
// current one, so drift and other load on the machine hit both alike. A checkout for it:
//   git worktree add --detach /tmp/old <commit> && mkdir /tmp/old/node_modules
//   for e in node_modules/* node_modules/.bin; do [ "${e##*/}" = @evolflow ] || ln -s "$PWD/$e" /tmp/old/node_modules/; done
//   mkdir /tmp/old/node_modules/@evolflow; for l in node_modules/@evolflow/*; do t=$(readlink "$l"); ln -s "/tmp/old/${t#../../}" /tmp/old/node_modules/@evolflow/; done
// (its own @evolflow packages, everything else shared). The figures in bench/results/llm-client.json
// compare 419b12d (the hand-written HTTP/1.1 client) with the same commit plus the undici http-chat.ts.
// The simulator runs in its own process (as a real endpoint would); both share this machine's cores.
// Usage: npx tsx bench/llm-client.ts [calls per round=2000] [--before /tmp/old]   (9 rounds, 3 for the SDK; medians)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { OpenAI } from 'openai';
import { DEFAULT_CONFIG, mergeDeep, type ChatMessage, type Config } from '@evolflow/core';
import { createLlmClient } from '@evolflow/llm';
import { spawnSimulator, writeResults } from './support.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { before: { type: 'string' } } });
const CALLS = Number(positionals[0] ?? 2000);
const ROUNDS = 9;
const SDK_ROUNDS = 3;
const CONCURRENCY = 64;

const prompt = (i: number): ChatMessage[] => [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: `Give three short tips for learning topic number ${i} quickly.` },
];

interface Round {
  callsPerSecond: number;
  /** User + system CPU of this process per call, in microseconds. */
  cpuMicrosPerCall: number;
}

/** Run `calls` calls through `call` with at most `concurrency` at once. */
async function measure(calls: number, call: (i: number) => Promise<unknown>): Promise<Round> {
  let next = 0;
  const worker = async () => {
    while (next < calls) await call(next++);
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { callsPerSecond: Math.round(calls / seconds), cpuMicrosPerCall: Math.round((cpu.user + cpu.system) / calls) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summary = (rounds: Round[]) => ({
  callsPerSecond: median(rounds.map((r) => r.callsPerSecond)),
  cpuMicrosPerCall: median(rounds.map((r) => r.cpuMicrosPerCall)),
  rounds,
});

type CreateClient = typeof createLlmClient;
const older: CreateClient | undefined = values.before
  ? ((await import(pathToFileURL(resolve(values.before, 'packages/llm/src/index.ts')).href)) as { createLlmClient: CreateClient })
      .createLlmClient
  : undefined;

const sim = await spawnSimulator({ latencyMs: 0 });
try {
  const config: Config['llm'] = mergeDeep(structuredClone(DEFAULT_CONFIG.llm), { concurrency: CONCURRENCY, cache: { enabled: false } });
  const llm = createLlmClient({ config, baseUrl: sim.url });
  const old = older?.({ config, baseUrl: sim.url });
  const sdk = new OpenAI({ apiKey: 'evolflow-sim', baseURL: sim.url, maxRetries: 0 });
  const bare = (i: number) =>
    sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt(i), temperature: 0.7, max_tokens: 1024 });
  const ours = (i: number) => llm.complete('responder', prompt(i), { recordId: `bench-${i}` });
  const before = old ? (i: number) => old.complete('responder', prompt(i), { recordId: `bench-${i}` }) : undefined;

  // Warm-up: connections, JIT, simulator.
  await measure(300, (i) => bare(1_000_000 + i));
  await measure(300, (i) => ours(2_000_000 + i));
  if (before) await measure(300, (i) => before(3_000_000 + i));
  // The bare SDK is a reference only (several times our CPU per call): fewer rounds.
  const sdkRounds: Round[] = [];
  for (let round = 0; round < SDK_ROUNDS; round += 1) sdkRounds.push(await measure(CALLS, (i) => bare(round * CALLS + i)));
  // Before and after alternate, in swapped order every other round, so load from elsewhere on the
  // machine and drift hit both alike; each round's pair gives one after/before ratio.
  const clientRounds: Round[] = [];
  const beforeRounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const at = (SDK_ROUNDS + 2 * round) * CALLS;
    const runOurs = async () => clientRounds.push(await measure(CALLS, (i) => ours(at + i)));
    const runBefore = async () => {
      if (before) beforeRounds.push(await measure(CALLS, (i) => before(at + CALLS + i)));
    };
    if (round % 2 === 0) {
      await runBefore();
      await runOurs();
    } else {
      await runOurs();
      await runBefore();
    }
  }
  const usage = llm.usage();
  await llm.close();
  const oldUsage = old?.usage();
  await old?.close();
  if (usage.errors > 0 || (oldUsage?.errors ?? 0) > 0) throw new Error(`${usage.errors + (oldUsage?.errors ?? 0)} calls failed`);

  const client = summary(clientRounds);
  const bareSdk = summary(sdkRounds);
  const prior = before ? summary(beforeRounds) : undefined;
  const line = (name: string, s: { callsPerSecond: number; cpuMicrosPerCall: number }) =>
    process.stdout.write(
      `${name.padEnd(28)} ${String(s.callsPerSecond).padStart(6)} calls/s  ${String(s.cpuMicrosPerCall).padStart(5)} µs CPU per call\n`,
    );
  line('bare openai SDK', bareSdk);
  if (prior) line('@evolflow/llm before', prior);
  line('@evolflow/llm', client);
  if (prior) {
    const paired = median(clientRounds.map((r, i) => r.cpuMicrosPerCall / (beforeRounds[i] as Round).cpuMicrosPerCall));
    process.stdout.write(
      `CPU per call, after / before: ${(client.cpuMicrosPerCall / prior.cpuMicrosPerCall).toFixed(3)} (medians), ${paired.toFixed(3)} (median of the ${ROUNDS} paired rounds)\n`,
    );
  }
  process.stdout.write(
    `(median of ${ROUNDS} x ${CALLS} calls, ${SDK_ROUNDS} for the SDK; concurrency ${CONCURRENCY}, cache off, 0 ms latency; CPU of this process only)\n`,
  );
  writeResults('llm-client', {
    callsPerRound: CALLS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    simulatorLatencyMs: 0,
    cache: false,
    client,
    sdk: bareSdk,
    ...(prior
      ? {
          before: { checkout: values.before, ...prior },
          cpuPerCallAfterVsBefore: Number((client.cpuMicrosPerCall / prior.cpuMicrosPerCall).toFixed(3)),
          cpuPerCallAfterVsBeforePairedMedian: Number(
            median(clientRounds.map((r, i) => r.cpuMicrosPerCall / (beforeRounds[i] as Round).cpuMicrosPerCall)).toFixed(3),
          ),
        }
      : {}),
    clientVsSdkCallsPerSecond: Number((client.callsPerSecond / bareSdk.callsPerSecond).toFixed(3)),
    usage: {
      calls: usage.calls,
      retries: usage.retries,
      errors: usage.errors,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
    },
  });
} finally {
  await sim.stop();
}
