// Building the pieces a run or a stage process needs from the frozen config: the transport,
// the LLM client, and (for offline runs) the simulator it talks to.
import type { Config, Logger } from '@evolflow/core';
import { EvolflowError } from '@evolflow/core';
import { InMemoryTransport, type Transport } from '@evolflow/transport';
import { createLlmClient, type LlmClient, type LlmEvent } from '@evolflow/llm';
import { startSimulator, type RunningSimulator } from '@evolflow/simulator';

/** The configured transport: in-memory by default, Kafka with `transport.kind: kafka`. */
export async function createTransport(config: Readonly<Config>, logger?: Logger): Promise<Transport> {
  if (config.transport.kind === 'memory') return new InMemoryTransport();
  const mod = (await import('@evolflow/transport')) as Record<string, unknown>;
  const create = mod.createKafkaTransport as undefined | ((o: Record<string, unknown>) => Promise<Transport>);
  if (typeof create !== 'function') throw new EvolflowError('config', 'transport.kind is "kafka" but this build has no Kafka transport');
  const k = config.transport.kafka;
  return create({ brokers: k.brokers, prefix: k.prefix, partitions: k.partitions, clientId: k.clientId, ...(logger ? { logger } : {}) });
}

export interface LlmSetup {
  llm: LlmClient;
  /** The simulator this process started (offline runs), if any. */
  simulator?: RunningSimulator;
  /** The real local model this process serves (`llm.provider: local`), if any. */
  local?: { url: string; modelPath: string };
  /** True when answers come from the simulator: the data is not real. */
  simulated: boolean;
  close(): Promise<void>;
}

/**
 * The LLM client for the config. With `llm.provider: sim` and no `llm.baseUrl`, a simulator is
 * started in this process; with a base URL, that endpoint is used (a shared simulator or a real one).
 */
export async function setupLlm(
  config: Readonly<Config>,
  options: { logger?: Logger; onEvent?(e: LlmEvent): void } = {},
): Promise<LlmSetup> {
  const sim = config.simulator;
  let simulator: RunningSimulator | undefined;
  let baseUrl = config.llm.baseUrl;
  const simulated = config.llm.provider === 'sim';
  if (simulated && baseUrl === '') {
    simulator = await startSimulator({
      seed: sim.seed,
      latencyMs: sim.latencyMs,
      latencyJitterMs: sim.latencyJitterMs,
      faultRate: sim.faultRate,
      ...(sim.faults.length > 0 ? { faults: sim.faults as never } : {}),
    });
    baseUrl = simulator.url;
  }
  let local: { url: string; modelPath: string; close(): Promise<void> } | undefined;
  if (config.llm.provider === 'local' && baseUrl === '') {
    local = await startLocalModel(config.llm.local, options.logger);
    baseUrl = local.url;
  }
  const cacheNamespace = simulated
    ? `sim:${sim.seed}:${sim.faultRate}:${[...sim.faults].sort().join(',')}`
    : local
      ? `local:${local.modelPath.split('/').pop() as string}`
      : 'openai';
  const llm = createLlmClient({
    config: config.llm,
    ...(baseUrl === '' ? {} : { baseUrl }),
    cacheNamespace,
    // A server started here (simulator, local model) has a new port every run: the namespace names it.
    ...(baseUrl !== config.llm.baseUrl ? { cacheEndpoint: 'started-by-evolflow' } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return {
    llm,
    ...(simulator ? { simulator } : {}),
    ...(local ? { local: { url: local.url, modelPath: local.modelPath } } : {}),
    simulated,
    async close() {
      await llm.close();
      await simulator?.close();
      await local?.close();
    },
  };
}

/**
 * `llm.provider: local`: the GGUF named by `llm.local.model` (a known name, fetched and checked into
 * `llm.local.modelDir`, or a path to a .gguf file) served on 127.0.0.1 by @evolflow/local-llm.
 */
async function startLocalModel(
  local: Readonly<Config['llm']['local']>,
  logger?: Logger,
): Promise<{ url: string; modelPath: string; close(): Promise<void> }> {
  // Loaded only for this provider: node-llama-cpp's native binding is not needed by anyone else.
  const { pullLocalModel, startLocalLlm, KNOWN_LOCAL_MODELS } = await import('@evolflow/local-llm');
  let modelPath = local.model;
  if (local.model in KNOWN_LOCAL_MODELS) {
    modelPath = (await pullLocalModel({ modelDir: local.modelDir, model: local.model, log: (line) => logger?.info(line) })).path;
  } else if (!local.model.endsWith('.gguf')) {
    throw new EvolflowError(
      'config',
      `llm.local.model is "${local.model}": give a .gguf file or one of ${Object.keys(KNOWN_LOCAL_MODELS).join(', ')}`,
      { details: { path: 'llm.local.model' } },
    );
  }
  const server = await startLocalLlm({ modelPath, threads: local.threads, contextSize: local.contextSize });
  return { url: server.url, modelPath, close: () => server.close() };
}
