// The cost of a run before it is spent: the LLM calls, tokens and US dollars that `evolflow run`
// would spend on these seeds, rounds and prices. Prompts are the real ones: every seed's strategy
// for every round is picked as the evolve stage picks it (the same seeded draw) and its prompt is
// rendered, as are the responder's, the verify stage's math samples and the judges'. What a model answers is not known before it
// answers, so completion lengths come from a table of typical lengths (capped by each role's
// maxTokens), and the instruction a round rewrites is the previous one grown by the typical rewrite.
import { loadStrategy, pickWeighted, seededRandom, type ChatMessage, type Config, type EvolRecord, type Strategy } from '@evolflow/core';
import { readSeedFile } from '@evolflow/stage-seed';
import { withWorkedExample } from '@evolflow/stage-evolve';
import { responderMessages } from '@evolflow/stage-respond';
import { difficultyJudgeMessages, equalityJudgeMessages } from '@evolflow/judge';
import { roleCost, formatUsd } from '@evolflow/observe';
import { looksLikeMath } from '@evolflow/verify';

export type Role = 'evolver' | 'responder' | 'judge';
const ROLES: readonly Role[] = ['evolver', 'responder', 'judge'];

/** Typical answer lengths of one kind of endpoint. */
export interface TypicalLengths {
  /** Words a depth strategy's rewrite adds to its parent (the in-depth prompts ask for 10 to 20). */
  addedWords: number;
  /** Tokens of a response to an evolved instruction. */
  responseTokens: number;
  /** Tokens of the equality judge's answer ("Not Equal"). */
  judgeTokens: number;
  /** Tokens of the difficulty judge's answer (one number). */
  difficultyTokens: number;
}

/**
 * Typical lengths by provider. `sim`: what the evolflow simulator answers (measured over the
 * bundled sample seeds, 4 rounds: it adds about 14 words a depth round and answers about 170
 * tokens). Real models (`openai`, `local`): the in-depth prompts ask for 10 to 20 added words; a
 * response of about 350 tokens (a few paragraphs) is assumed, which a run's own report corrects;
 * the judge answers "Equal" or "Not Equal". The worst case, every answer at its maxTokens, is
 * estimated beside the typical one.
 */
export const TYPICAL_LENGTHS: Readonly<Record<Config['llm']['provider'], TypicalLengths>> = {
  sim: { addedWords: 25, responseTokens: 280, judgeTokens: 3, difficultyTokens: 1 },
  openai: { addedWords: 15, responseTokens: 350, judgeTokens: 3, difficultyTokens: 2 },
  local: { addedWords: 15, responseTokens: 350, judgeTokens: 3, difficultyTokens: 2 },
};

/**
 * Tokens of a text: 4 characters a token, one a CJK character. Measured on the recorded real
 * exchanges of packages/local-llm/fixtures/smollm2-run.jsonl (32 calls): 7,435 completion
 * characters were 1,858 tokens (4.0 a token) and 35,808 prompt characters 9,817 tokens (3.65,
 * chat template included); OpenAI documents about 4 characters a token for English text.
 */
export function countTokens(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  return Math.ceil((text.length - cjk) / 4) + cjk;
}

const CJK = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]/gu;

const messageTokens = (messages: readonly ChatMessage[]) => countTokens(messages.map((m) => m.content).join(''));

/** Calls and tokens of one role. */
export interface RoleEstimate {
  calls: number;
  promptTokens: number;
  /** Completion tokens at the typical answer lengths. */
  completionTokens: number;
  /** Completion tokens if every answer ran to the role's maxTokens. */
  completionTokensMax: number;
  /** US dollars at the typical lengths, and at most. */
  cost: number;
  costMax: number;
}

export interface RunEstimate {
  seeds: number;
  /** Seed lines that would be rejected (no call is made for them). */
  seedRejects: number;
  rounds: number;
  provider: Config['llm']['provider'];
  typical: TypicalLengths;
  byRole: Record<Role, RoleEstimate>;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  completionTokensMax: number;
  cost: number;
  costMax: number;
  /** Whether any role has a price (else every cost is 0). */
  priced: boolean;
}

/**
 * Words appended to grow an instruction by a typical depth rewrite: a constraint of common words,
 * of typical length, that keeps the kind of task (it names no code, no essay, no explanation), so
 * that a math seed still counts as math for the verify stage, as its real rewrites mostly do.
 */
const FILLER =
  'limit the answer to three points, give one concrete case for each of them, and state every assumption made about the situation along the way, in plain words for a reader new to the topic'.split(
    ' ',
  );
const grow = (text: string, words: number) => `${text} ${Array.from({ length: words }, (_, i) => FILLER[i % FILLER.length]).join(' ')}`;

export interface EstimateOptions {
  config: Readonly<Config>;
  seedFiles: readonly string[];
  /** Folder plugins named by path resolve from (default: the working folder). */
  cwd?: string;
}

/** The calls, tokens and cost a run of `seedFiles` with `config` is expected to spend. */
export async function estimateRun(options: EstimateOptions): Promise<RunEstimate> {
  const { config } = options;
  const cwd = options.cwd ?? process.cwd();
  const { enabled, options: strategyOptions, weights: weightOf } = config.strategies;
  const strategies: Strategy[] = await Promise.all(
    enabled.map((spec) => loadStrategy(spec, { cwd, options: strategyOptions[spec] ?? {} })),
  );
  const weights = strategies.map((s) => weightOf[s.name] ?? 1);
  const typical = TYPICAL_LENGTHS[config.llm.provider];
  const roles = config.llm.roles;
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const byRole = Object.fromEntries(
    ROLES.map((r) => [r, { calls: 0, promptTokens: 0, completionTokens: 0, completionTokensMax: 0, cost: 0, costMax: 0 }]),
  ) as Record<Role, RoleEstimate>;
  const call = (role: Role, messages: readonly ChatMessage[], typicalTokens: number) => {
    const e = byRole[role];
    e.calls += 1;
    e.promptTokens += messageTokens(messages);
    e.completionTokens += Math.min(typicalTokens, roles[role].maxTokens);
    e.completionTokensMax += roles[role].maxTokens;
  };
  let seeds = 0;
  let seedRejects = 0;
  for (const file of options.seedFiles) {
    for await (const item of readSeedFile(file)) {
      if (item.kind === 'reject') {
        seedRejects++;
        continue;
      }
      seeds++;
      let parent: EvolRecord = item.record;
      for (let round = 1; round <= config.run.rounds; round++) {
        // The strategy the evolve stage will pick for this seed and round, and its real prompt.
        const strategy = pickWeighted(strategies, weights, seededRandom(config.run.seed, parent.seedId, round, 'strategy')());
        const ctx = {
          random: seededRandom(config.run.seed, parent.seedId, round, strategy.name),
          options: strategyOptions[strategy.name] ?? {},
          logger,
        };
        const prompt = strategy.prompt(parent, ctx);
        const messages =
          config.strategies.workedExample && prompt.format === undefined
            ? withWorkedExample(prompt.messages, { strategy, parent, ctx })
            : prompt.messages;
        const parentText = parent.input === undefined ? parent.instruction : `${parent.instruction}\n${parent.input}`;
        // A depth rewrite adds to its parent; a breadth one (mutation) writes a new one about as long.
        const child = strategy.kind === 'depth' ? grow(parentText, typical.addedWords) : parentText;
        call('evolver', messages, countTokens(child));
        call('responder', responderMessages({ instruction: child }), typical.responseTokens);
        // The verify stage cross-checks a math answer with verify.math.samples more responses.
        const { verify } = config;
        if (verify.enabled && verify.math.enabled && looksLikeMath(child)) {
          for (let i = 0; i < verify.math.samples; i++)
            call('responder', responderMessages({ instruction: child }), typical.responseTokens);
        }
        if (config.eliminate.judge) call('judge', equalityJudgeMessages(parentText, child), typical.judgeTokens);
        if (config.eliminate.difficultyJudge) call('judge', difficultyJudgeMessages(child), typical.difficultyTokens);
        const { input: _input, ...rest } = parent;
        parent = { ...rest, instruction: child, round };
      }
    }
  }
  let priced = false;
  for (const role of ROLES) {
    const e = byRole[role];
    const price = roles[role];
    if (price.pricePerMTokIn > 0 || price.pricePerMTokOut > 0) priced = true;
    e.cost = roleCost({ promptTokens: e.promptTokens, completionTokens: e.completionTokens }, price);
    e.costMax = roleCost({ promptTokens: e.promptTokens, completionTokens: e.completionTokensMax }, price);
  }
  const sum = (k: keyof RoleEstimate) => ROLES.reduce((s, r) => s + byRole[r][k], 0);
  return {
    seeds,
    seedRejects,
    rounds: config.run.rounds,
    provider: config.llm.provider,
    typical,
    byRole,
    calls: sum('calls'),
    promptTokens: sum('promptTokens'),
    completionTokens: sum('completionTokens'),
    completionTokensMax: sum('completionTokensMax'),
    cost: sum('cost'),
    costMax: sum('costMax'),
    priced,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The estimate as a table for the terminal. */
export function formatEstimate(e: RunEstimate): string {
  const rows = [
    ['role', 'calls', 'prompt tokens', 'completion (typical)', 'completion (at maxTokens)', 'cost (typical)', 'cost (at most)'],
    ...ROLES.map((r) => {
      const x = e.byRole[r];
      return [r, n(x.calls), n(x.promptTokens), n(x.completionTokens), n(x.completionTokensMax), formatUsd(x.cost), formatUsd(x.costMax)];
    }),
    ['total', n(e.calls), n(e.promptTokens), n(e.completionTokens), n(e.completionTokensMax), formatUsd(e.cost), formatUsd(e.costMax)],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const table = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
  const prices = e.priced ? '' : '\nNo role has a price (llm.roles.*.pricePerMTokIn/Out are 0), so every cost is $0.00.';
  return `Estimate: ${n(e.seeds)} seeds${e.seedRejects > 0 ? ` (+${n(e.seedRejects)} rejected lines)` : ''} x ${e.rounds} rounds, llm.provider ${e.provider}, no LLM called
${table}
Prompts rendered for the real seeds; answers at typical lengths for ${e.provider} (a response ${e.typical.responseTokens} tokens, a rewrite +${e.typical.addedWords} words), capped by maxTokens.
Retries of rejected evolutions and cache hits are not counted.${prices}
`;
}

/** One line for the start of a run. */
export function estimateLine(e: RunEstimate): string {
  const cost = e.priced
    ? `~${formatUsd(e.cost)} (at most ${formatUsd(e.costMax)} if every answer reaches maxTokens)`
    : 'cost unknown: no prices configured (llm.roles.<role>.pricePerMTokIn/Out)';
  return `estimate: ${n(e.calls)} LLM calls, ~${n(e.promptTokens + e.completionTokens)} tokens, ${cost}; 'evolflow estimate' for the table, --max-cost USD to cap it`;
}
