// `evolflow run`: the whole pipeline in one process, on the embedded defaults or over Kafka.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EvolflowError, loadConfig, redactText, registerSecret, registerSecretsOf } from '@evolflow/core';
import { formatUsd, observeRun, parseLogLevel, roleCost } from '@evolflow/observe';
import { createTransport, flagsToOverrides, setupLlm } from '@evolflow/runtime';
import type { LlmEvent } from '@evolflow/llm';
import type { KafkaTransport } from '@evolflow/transport';
import type { Args } from '../command.ts';
import type { RUN_OPTIONS } from './options.ts';
import { SAMPLE_SEEDS } from '../package-file.ts';
import { llmTotalsOf, startPipeline, type ResumedRun, type RunSummary } from '../pipeline.ts';
import { formatSummary } from '../summary.ts';
import { EXIT, LLM_FAILING, MAX_COST } from '../outcome.ts';
import { estimateLine, estimateRun, formatEstimate } from '../estimate.ts';
import { checkRunPaths } from '../run-paths.ts';
import { lockOutDir } from '../out-lock.ts';

export { SAMPLE_SEEDS };

/** The stopped run whose run.json (`partial: true`) is in `outDir`, if there is one. */
async function stoppedRunIn(outDir: string): Promise<ResumedRun | undefined> {
  let prev: Partial<RunSummary>;
  try {
    prev = JSON.parse(await readFile(join(outDir, 'run.json'), 'utf8')) as Partial<RunSummary>;
  } catch {
    return undefined;
  }
  if (prev.partial !== true || typeof prev.startedAt !== 'string' || prev.llm === undefined) return undefined;
  return {
    startedAt: prev.resumed?.firstStartedAt ?? prev.startedAt,
    stoppedBy: prev.stoppedBy ?? 'a stop',
    attempts: prev.attempts ?? 1,
    llm: prev.llmAllAttempts ?? llmTotalsOf(prev.llm, prev.config?.llm.roles ?? {}),
  };
}

/** Most lines the live progress view redraws (one per stage, the summary, weights, a few notes). */
const PROGRESS_FRAME_LINES = 16;

/** Close everything opened, last opened first; a failing close is reported and does not stop the others. */
async function closeAll(closers: (() => Promise<void>)[]): Promise<void> {
  for (const close of closers.splice(0)) {
    await close().catch((err: unknown) =>
      process.stderr.write(`evolflow: while closing the run: ${redactText(err instanceof Error ? err.message : String(err))}\n`),
    );
  }
}

/** The command line that resumes this run, quoted for a POSIX shell. */
function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return ['evolflow', 'run', ...argv].map(quote).join(' ');
}

/** `evolflow run`: the options are parsed and checked against RUN_OPTIONS already. */
export async function run({ values, argv }: Args<typeof RUN_OPTIONS>): Promise<number> {
  const overrides = flagsToOverrides(values) as Record<string, Record<string, unknown>>;
  if (values.format !== undefined) (overrides.run ??= {}).format = values.format;
  const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides });
  // From here on every key and URL credential of the config is redacted wherever it is printed or logged.
  registerSecretsOf(config);
  registerSecret(process.env.OPENAI_API_KEY);
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    throw new EvolflowError('config', `run: --metrics-port must be a port number from 0 to 65535, not "${values['metrics-port']}"`);
  }
  const seeds = values.seeds ?? [SAMPLE_SEEDS];
  if (values['dry-run']) {
    // Nothing is written: not even --out is made.
    process.stdout.write(formatEstimate(await estimateRun({ config, seedFiles: seeds })));
    return EXIT.ok;
  }
  const maxCost = values['max-cost'] === undefined ? undefined : Number(values['max-cost']);
  const priced = Object.values(config.llm.roles).some((r) => r.pricePerMTokIn > 0 || r.pricePerMTokOut > 0);
  if (maxCost !== undefined && !priced) {
    throw new EvolflowError(
      'config',
      `run: --max-cost ${values['max-cost']} needs prices: set llm.roles.<role>.pricePerMTokIn and pricePerMTokOut in the config (they are all 0, so the run would cost $0.00 and never stop)`,
    );
  }
  // Cost before spending: a run against priced roles, or a real endpoint, shows what it expects to spend before its first call.
  if (priced || config.llm.provider !== 'sim') process.stdout.write(`${estimateLine(await estimateRun({ config, seedFiles: seeds }))}\n`);
  const outDir = resolve(config.run.outDir);
  const configFile = values.config ?? process.env.EVOLFLOW_CONFIG;
  await checkRunPaths({ seedFiles: seeds, outDir, otherInputs: [...(configFile ? [configFile] : []), ...config.mix.decontaminate.sets] });
  const lock = lockOutDir(outDir);
  const closers: (() => Promise<void>)[] = [];
  // The first SIGINT/SIGTERM stops the run (no new work, a grace period, partial outputs); a second one leaves at once.
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      // On a terminal the progress view redraws its frame in place above the cursor: blank lines
      // below the message keep it out of the frame's reach.
      const below = process.stderr.isTTY ? '\n'.repeat(PROGRESS_FRAME_LINES) : '';
      process.stderr.write(
        `\nevolflow: ${sig}: stopping: no new work is taken; work in flight gets up to ${config.run.stopGraceMs / 1000} s (run.stopGraceMs), then what is finished is written. ${sig === 'SIGINT' ? 'Press Ctrl-C' : 'Send it'} again to leave at once.\nevolflow: LLM calls that would wait longer than that (a Retry-After, a rate limit) are cancelled now, and calls still running when the grace period ends are aborted; their records are left for the resume.\n${below}`,
      );
      controller.abort(sig);
      return;
    }
    process.stderr.write(
      `evolflow: second ${sig}: leaving now; this run's outputs may be missing or incomplete. To resume, run the same command again.\n`,
    );
    lock.release();
    process.exit(sig === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  closers.push(async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  try {
    const obs = await observeRun({
      config,
      outDir,
      logLevel: values['log-level'] === undefined ? 'warn' : parseLogLevel(values['log-level']),
      ...(metricsPort === undefined ? {} : { metricsPort }),
      ...(values['no-progress'] ? { stream: false as const } : {}),
    });
    closers.unshift(() => obs.close());
    const logger = obs.logger;
    if (lock.tookOverFrom)
      logger.warn(
        `took over the lock of ${outDir} from a run that is gone (pid ${lock.tookOverFrom.pid}, started ${lock.tookOverFrom.startedAt})`,
        { outDir },
      );
    // Fail fast: once run.failFastAfter requests in a row have failed for good, the endpoint is down; stop as for a signal.
    let failedInRow = 0;
    // --max-cost: what this run has spent so far, at the configured prices; once it reaches the cap the run stops as for a signal.
    let spent = 0;
    const onLlmEvent = (event: LlmEvent) => {
      obs.observer.onLlmEvent(event);
      if (event.kind === 'request' && maxCost !== undefined) {
        spent += roleCost(event, config.llm.roles[event.role]);
        if (spent >= maxCost && !controller.signal.aborted) {
          process.stderr.write(
            `evolflow: spent ${formatUsd(spent)}, the --max-cost cap of ${formatUsd(maxCost)}: stopping the run; no new work is taken, calls in flight finish (they are paid too).\n`,
          );
          controller.abort(MAX_COST);
        }
      }
      if (event.kind === 'error') {
        failedInRow += 1;
        if (failedInRow === config.run.failFastAfter && !controller.signal.aborted) {
          process.stderr.write(
            `evolflow: the last ${failedInRow} LLM requests all failed (run.failFastAfter): stopping the run; no new work is taken.\n`,
          );
          controller.abort(LLM_FAILING);
        }
      } else if (event.kind === 'cache-hit' || (event.kind === 'request' && event.status >= 200 && event.status < 300)) failedInRow = 0;
    };
    const llm = await setupLlm(config, { logger, onEvent: onLlmEvent });
    closers.unshift(() => llm.close());
    if (llm.simulated) {
      process.stdout.write(
        `\n  *** SIMULATED DATA: answers come from the evolflow LLM simulator${llm.simulator ? ` at ${llm.simulator.url}` : ''}, not a real model. ***\n  *** Set OPENAI_API_KEY / OPENAI_BASE_URL (or --llm openai) to evolve with a real endpoint. ***\n\n`,
      );
    }
    const transport = await createTransport(config, logger);
    closers.unshift(() => transport.close());
    // One run per Kafka prefix: a lease in <prefix>lease, which a crashed run's successor takes over once its heartbeats stop.
    if (transport.kind === 'kafka') {
      const lease = await (transport as KafkaTransport).acquireLease({
        command: redactText(commandLine(argv)),
        onLost: (why) => {
          process.stderr.write(`evolflow: lost the Kafka prefix lease: ${why}; stopping the run.\n`);
          if (!controller.signal.aborted) controller.abort('lease-lost');
        },
      });
      if (lease.tookOverFrom)
        process.stderr.write(
          `evolflow: took over the Kafka prefix ${config.transport.kafka.prefix} from a run whose heartbeats stopped (pid ${lease.tookOverFrom.pid} on ${lease.tookOverFrom.host})\n`,
        );
      closers.unshift(() => lease.release());
    }
    const resumes = await stoppedRunIn(outDir);
    if (resumes)
      process.stderr.write(
        `evolflow: resuming the run in ${outDir} stopped by ${resumes.stoppedBy} (attempt ${resumes.attempts + 1}); answers already paid for come from the cache\n`,
      );
    else if (lock.tookOverFrom)
      process.stderr.write(
        `evolflow: resuming after a run in ${outDir} that did not finish (pid ${lock.tookOverFrom.pid}); answers it paid for come from the cache\n`,
      );
    const pipeline = await startPipeline({
      ...(resumes ? { resumes } : {}),
      config,
      seedFiles: seeds,
      transport,
      llm: llm.llm,
      logger,
      outDir,
      follow: values.follow ?? false,
      signal: controller.signal,
      extra: { simulated: llm.simulated, seedFiles: seeds },
      ...obs.hooks,
    });
    obs.attach({
      stages: () => pipeline.stages.map((s) => s.stats),
      progress: () => pipeline.progress(),
      usage: () => llm.llm.usage(),
      backlog: (t) => transport.backlog(t),
    });
    const summary = await pipeline.done;
    const report = await obs.finish(summary.outDir);
    process.stdout.write(formatSummary(summary));
    if (report) process.stdout.write(`report: ${report}${obs.health ? ` (health: ${obs.health})` : ''}\n`);
    if (obs.logDestination !== 'stderr') process.stdout.write(`log: ${obs.logDestination}\n`);
    if (summary.stoppedBy !== undefined) {
      const resume = summary.partial
        ? `\nTo resume, run the same command again (answers already paid for come from the cache):\n  ${redactText(commandLine(argv))}`
        : '';
      const failed =
        summary.outcome.status === 'interrupted' ? '' : `run failed (exit ${summary.outcome.exitCode}, ${summary.outcome.status}): `;
      process.stderr.write(`evolflow: ${failed}${redactText(summary.outcome.message)}; outputs in ${summary.outDir}.${resume}\n`);
      // Calls abandoned at the stop are not waited for: closing gets the grace period at most.
      await Promise.race([closeAll(closers), new Promise((r) => setTimeout(r, config.run.stopGraceMs).unref())]);
      closers.length = 0;
    } else if (summary.outcome.exitCode !== EXIT.ok) {
      process.stderr.write(
        `evolflow: run failed (exit ${summary.outcome.exitCode}, ${summary.outcome.status}): ${redactText(summary.outcome.message)}\n`,
      );
    }
    return summary.outcome.exitCode;
  } finally {
    await closeAll(closers);
    lock.release();
  }
}
