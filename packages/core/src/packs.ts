// Strategy packs: a name that turns on a set of strategy plugins in one line (`strategies.packs: [code, math]`).
// The code pack follows WizardCoder's evolution directions, the math pack WizardMath's (plugins/strategy-code-*,
// plugins/strategy-math-*); each pack's README says what its strategies ask for.

/** The strategies each pack turns on, and weights it gives them unless `strategies.weights` says otherwise. */
export const STRATEGY_PACKS = {
  code: {
    strategies: ['code-constraints', 'code-reasoning', 'code-misdirect', 'code-complexity'],
    // WizardCoder asks for a stricter complexity only now and then.
    weights: { 'code-complexity': 0.5 } as Readonly<Record<string, number>>,
  },
  math: {
    strategies: ['math-harder', 'math-easier', 'math-steps', 'math-quantities'],
    weights: {} as Readonly<Record<string, number>>,
  },
} as const;

export type StrategyPack = keyof typeof STRATEGY_PACKS;
export const PACK_NAMES = Object.keys(STRATEGY_PACKS) as StrategyPack[];

interface StrategiesSection {
  enabled: string[];
  weights: Record<string, number>;
  packs: StrategyPack[];
}

/**
 * `strategies` with its packs' strategies added to `enabled` (after the ones listed, each once) and the
 * packs' weights under the configured ones. Called once by loadConfig; `packs` stays as written.
 */
export function expandPacks<T extends StrategiesSection>(strategies: T): T {
  if (strategies.packs.length === 0) return strategies;
  const enabled = [...strategies.enabled];
  let weights: Record<string, number> = {};
  for (const pack of strategies.packs) {
    for (const name of STRATEGY_PACKS[pack].strategies) if (!enabled.includes(name)) enabled.push(name);
    weights = { ...weights, ...STRATEGY_PACKS[pack].weights };
  }
  return { ...strategies, enabled, weights: { ...weights, ...strategies.weights } };
}
