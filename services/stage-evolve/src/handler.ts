// The evolve stage: one pool record in, one child evolution (or a reject plus the requeued parent) out.
import {
  childRecordId,
  isCancelled,
  loadStrategy,
  pickWeighted,
  rejectChild,
  seededRandom,
  snapshotOf,
  type ChatMessage,
  type Emit,
  type EvolRecord,
  type StageEnv,
  type StageHandler,
  type Strategy,
  type StrategyContext,
} from '@evolflow/core';

/** `strategies.workedExample`: the system turn, and a plain seed with a good rewrite of it. */
export const WORKED_EXAMPLE = {
  system:
    'You rewrite instructions for AI assistants. Reply with the rewritten instruction only. Never answer or carry out the instruction.',
  parent: 'Name three colors.',
  rewrite: 'Name three colors that appear in a rainbow, and say which of them has the longest wavelength.',
} as const;

/**
 * The strategy's messages behind a system turn and one worked example: the same strategy's prompt
 * for WORKED_EXAMPLE.parent, answered with WORKED_EXAMPLE.rewrite. The example gets its own random
 * source, so the real prompt's choices are the same with or without it.
 */
export function withWorkedExample(
  messages: ChatMessage[],
  { strategy, parent, ctx }: { strategy: Strategy; parent: EvolRecord; ctx: StrategyContext },
): ChatMessage[] {
  const { input: _input, ...rest } = parent;
  const example = strategy.prompt(
    { ...rest, instruction: WORKED_EXAMPLE.parent },
    { ...ctx, random: seededRandom(0, 'worked-example', 0, strategy.name) },
  );
  return [
    { role: 'system', content: WORKED_EXAMPLE.system },
    ...example.messages,
    { role: 'assistant', content: WORKED_EXAMPLE.rewrite },
    ...messages,
  ];
}

/** Load the enabled strategies (by name, package or path), failing with the package name. */
export async function loadStrategies(env: StageEnv): Promise<Strategy[]> {
  const { enabled, options } = env.config.strategies;
  return Promise.all(enabled.map((spec) => loadStrategy(spec, { cwd: env.cwd, options: options[spec] ?? {} })));
}

export async function createEvolveStage(env: StageEnv): Promise<StageHandler<unknown>> {
  const strategies = await loadStrategies(env);
  const { config } = env;
  const maxRounds = config.run.rounds;
  const configured = strategies.map((s) => config.strategies.weights[s.name] ?? 1);
  return {
    name: 'evolve',
    async handle(parent: EvolRecord): Promise<Emit[]> {
      const round = parent.nextRound ?? parent.round + 1;
      const id = childRecordId(parent.seedId, round);
      const live = env.strategyWeights?.();
      const weights = live ? strategies.map((s, i) => (live[s.name] ?? 1) * (configured[i] ?? 1)) : configured;
      const strategy = pickWeighted(strategies, weights, seededRandom(config.run.seed, parent.seedId, round, 'strategy')());
      const ctx: StrategyContext = {
        random: seededRandom(config.run.seed, parent.seedId, round, strategy.name),
        options: config.strategies.options[strategy.name] ?? {},
        logger: env.logger,
      };
      const { parentId: _p, nextRound: _n, rejection: _r, batch: _b, parent: _pp, dedup: _d, scores: _s, calls: _c, ...base } = parent;
      const child: EvolRecord = {
        ...base,
        id,
        parentId: parent.id,
        round,
        strategy: strategy.name,
        lineage: [...parent.lineage, { id, round, strategy: strategy.name }],
        checks: [],
        usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
        calls: [],
        parent: snapshotOf(parent),
      };
      delete child.input;
      delete child.response;
      delete child.format;
      const prompt = strategy.prompt(parent, ctx);
      if (prompt.format !== undefined) child.format = prompt.format;
      // A strategy that asks for a data format gets no example: the example's rewrite adds no data.
      const messages =
        config.strategies.workedExample && prompt.format === undefined
          ? withWorkedExample(prompt.messages, { strategy, parent, ctx })
          : prompt.messages;
      let completion;
      try {
        completion = await env.llm.complete('evolver', messages, { recordId: id });
      } catch (err) {
        // A stop cancelled the call: no reject; runStage leaves the record for a resume.
        if (isCancelled(err)) throw err;
        return rejectChild(child, { stage: 'evolve', reason: 'llm-error', detail: (err as Error).message }, maxRounds);
      }
      child.usage = { promptTokens: completion.promptTokens, completionTokens: completion.completionTokens, calls: 1 };
      child.calls = [completion.id];
      if (completion.finishReason === 'length') {
        child.instruction = completion.text.slice(0, 2000);
        return rejectChild(
          child,
          {
            stage: 'evolve',
            reason: 'truncated',
            detail: `the evolver's answer was cut at llm.roles.evolver.maxTokens = ${config.llm.roles.evolver.maxTokens} tokens`,
          },
          maxRounds,
        );
      }
      const parsed = strategy.parse(completion.text, ctx);
      if ('error' in parsed) {
        child.instruction = completion.text.slice(0, 2000);
        return rejectChild(child, { stage: 'evolve', reason: 'unparseable', detail: parsed.error }, maxRounds);
      }
      child.instruction = parsed.instruction;
      if (parsed.input !== undefined && parsed.input.trim() !== '') child.input = parsed.input;
      child.checks.push({ stage: 'evolve', reason: 'ok', detail: strategy.name });
      return [{ topic: 'evolved', record: child }];
    },
  };
}
