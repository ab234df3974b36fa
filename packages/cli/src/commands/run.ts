// `evolflow run`: the whole pipeline in one process, on the embedded defaults or over Kafka.
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@evolflow/core';
import { CONFIG_FLAGS, createTransport, flagsToOverrides, jsonLogger, setupLlm, type LogLevel } from '@evolflow/runtime';
import { parseFlags, type Command } from '../command.ts';
import { startPipeline } from '../pipeline.ts';
import { formatSummary } from '../summary.ts';

/** The small bundled sample of seeds used when no --seeds is given. */
export const SAMPLE_SEEDS = fileURLToPath(new URL('../../data/sample-seeds.jsonl', import.meta.url));

const USAGE = `Usage: evolflow run [--seeds FILE]... [--rounds N] [--out DIR] [--format alpaca|sharegpt|openai]
                    [--llm sim|openai] [--config FILE] [--transport memory|kafka] [--brokers HOST:PORT]
                    [--follow] [--concurrency N] [--log-level LEVEL]

Runs every stage in one process. With no --seeds, a small bundled sample of seeds is evolved against
a simulator started in-process (the data is simulated). With OPENAI_API_KEY or OPENAI_BASE_URL set,
--llm openai is the default. Writes dataset.jsonl, kept.jsonl, seeds.jsonl, rejected.jsonl,
lineage.jsonl, dlq.jsonl and run.json into --out (default out/).`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the whole pipeline (embedded defaults: in-memory transport + simulator)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAGS, seeds: { type: 'string', multiple: true }, format: { type: 'string' }, follow: { type: 'boolean' } });
    const overrides = flagsToOverrides(values) as Record<string, Record<string, unknown>>;
    if (values.format !== undefined) (overrides.run ??= {}).format = values.format;
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), overrides });
    const logger = jsonLogger((values['log-level'] as LogLevel | undefined) ?? 'warn');
    const seeds = values.seeds ?? [SAMPLE_SEEDS];
    const llm = await setupLlm(config, { logger });
    if (llm.simulated) {
      process.stdout.write(`\n  *** SIMULATED DATA: answers come from the evolflow LLM simulator${llm.simulator ? ` at ${llm.simulator.url}` : ''}, not a real model. ***\n  *** Set OPENAI_API_KEY / OPENAI_BASE_URL (or --llm openai) to evolve with a real endpoint. ***\n\n`);
    }
    const transport = await createTransport(config, logger);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const pipeline = await startPipeline({
        config, seedFiles: seeds, transport, llm: llm.llm, logger, follow: values.follow ?? false, signal: controller.signal,
        extra: { simulated: llm.simulated, seedFiles: seeds },
      });
      const timer = setInterval(() => {
        const p = pipeline.progress();
        const line = pipeline.stages.map((s) => `${s.spec.name} ${s.stats.in}/${s.stats.out}/${s.stats.rejected}`).join(' | ');
        const u = llm.llm.usage();
        process.stderr.write(`[evolflow] ${p.terminal}/${p.expected} records terminal | in/out/rejected: ${line} | LLM ${u.calls} calls, ${u.promptTokens + u.completionTokens} tokens\n`);
      }, 2000);
      timer.unref();
      const summary = await pipeline.done;
      clearInterval(timer);
      process.stdout.write(formatSummary(summary));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await transport.close();
      await llm.close();
    }
  },
};
