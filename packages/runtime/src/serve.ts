// The thin main of every stage service: config from file + env + flags, a transport, the LLM,
// the shared runStage loop, and a graceful stop on SIGTERM/SIGINT that finishes in-flight records
// and commits before leaving.
import { parseArgs } from 'node:util';
import {
  EvolflowError,
  loadConfig,
  registerSecret,
  registerSecretsOf,
  stageSpec,
  type Config,
  type Logger,
  type StageFactory,
  type StageName,
} from '@evolflow/core';
import { createLogger, observeStage, parseLogLevel } from '@evolflow/observe';
import { createTransport, setupLlm } from './setup.ts';
import { stageEnv, startStage } from './start-stage.ts';

/** Flags every process that loads a config understands (the CLI's `run` and `stage`, service mains). */
export const CONFIG_FLAGS = {
  config: { type: 'string' },
  transport: { type: 'string' },
  brokers: { type: 'string' },
  prefix: { type: 'string' },
  partitions: { type: 'string' },
  llm: { type: 'string' },
  'base-url': { type: 'string' },
  concurrency: { type: 'string' },
  rounds: { type: 'string' },
  out: { type: 'string' },
  'log-level': { type: 'string' },
  'metrics-port': { type: 'string' },
} as const;

type FlagValues = Partial<Record<keyof typeof CONFIG_FLAGS, string>>;

const int = (flag: string, v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n))
    throw new EvolflowError('config', `--${flag} must be a whole number, got "${v}"`, { details: { flag } });
  return n;
};

/** Turn config flags into a partial config (checked by loadConfig like any other layer). */
export function flagsToOverrides(values: FlagValues): Record<string, unknown> {
  const o: Record<string, Record<string, unknown>> = {};
  const put = (section: string, key: string, value: unknown) => ((o[section] ??= {})[key] = value);
  if (values.transport !== undefined) put('transport', 'kind', values.transport);
  const kafka: Record<string, unknown> = {};
  if (values.brokers !== undefined)
    kafka.brokers = values.brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  if (values.prefix !== undefined) kafka.prefix = values.prefix;
  if (values.partitions !== undefined) kafka.partitions = int('partitions', values.partitions);
  if (Object.keys(kafka).length > 0) put('transport', 'kafka', kafka);
  if (values.llm !== undefined) {
    // --llm local:FILE.gguf (or local:NAME of a known model) picks the local provider and its model.
    const [provider, model] = values.llm.startsWith('local:') ? ['local', values.llm.slice('local:'.length)] : [values.llm, undefined];
    put('llm', 'provider', provider);
    if (model) put('llm', 'local', { model });
  }
  if (values['base-url'] !== undefined) put('llm', 'baseUrl', values['base-url']);
  if (values.concurrency !== undefined) put('stages', 'concurrency', int('concurrency', values.concurrency));
  if (values.rounds !== undefined) put('run', 'rounds', int('rounds', values.rounds));
  if (values.out !== undefined) put('run', 'outDir', values.out);
  return o;
}

export interface ServeStageOptions {
  name: StageName;
  /** The service's `create` (every service's index exports one). */
  create: StageFactory;
  argv: string[];
  /** Environment (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Run one stage until SIGTERM/SIGINT; resolves to the exit code. */
export async function serveStage(options: ServeStageOptions): Promise<number> {
  const { values } = parseArgs({ args: options.argv, options: CONFIG_FLAGS, strict: true });
  const config: Readonly<Config> = loadConfig({
    ...(values.config ? { file: values.config } : {}),
    ...(options.env ? { env: options.env } : {}),
    overrides: flagsToOverrides(values),
  });
  registerSecretsOf(config);
  registerSecret((options.env ?? process.env).OPENAI_API_KEY);
  const logger: Logger = createLogger({
    level: values['log-level'] === undefined ? config.observe.logLevel : parseLogLevel(values['log-level']),
    bindings: { stage: options.name },
  });
  const spec = stageSpec(options.name);
  const transport = await createTransport(config, logger);
  const metricsPort = values['metrics-port'] === undefined ? undefined : int('metrics-port', values['metrics-port']);
  const obs = await observeStage({
    config,
    logger,
    stage: options.name,
    backlog: (t) => transport.backlog(t),
    ...(metricsPort === undefined ? {} : { metricsPort }),
  });
  const llm = await setupLlm(config, { logger, onEvent: obs.observer.onLlmEvent });
  const handler = await options.create(
    stageEnv({
      config,
      logger,
      llm: llm.llm,
      transport,
      ...(obs.hooks.strategyWeights ? { strategyWeights: obs.hooks.strategyWeights } : {}),
    }),
  );
  const running = await startStage(handler, { config, logger, transport, onRecord: obs.hooks.onRecord });
  obs.attach(running.stats);
  logger.info(`stage ${spec.name} running: consumes ${spec.consumes.join(', ')} -> produces ${spec.produces.join(', ')}`, {
    transport: config.transport.kind,
  });
  const signal = await new Promise<string>((resolve) => {
    const stop = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  logger.info(`stage ${spec.name} stopping: finishing in-flight records`, { stats: running.stats });
  obs.stopping();
  // LLM waits that would outlast run.stopGraceMs (a long Retry-After) end now, what still waits or is
  // on the wire when it is over then; those records stay uncommitted, for the group's next member.
  llm.llm.cancelWaits(signal, config.run.stopGraceMs);
  const grace = setTimeout(() => llm.llm.cancel(signal), config.run.stopGraceMs);
  await running.stop();
  clearTimeout(grace);
  await handler.close?.();
  await transport.close();
  await llm.close();
  await obs.close();
  return 0;
}
