// Cost estimates: tokens per role times the configured price per million tokens of that role's model.

/** Prices of one role, as in `config.llm.roles.<role>`. */
export interface RolePricing {
  pricePerMTokIn: number;
  pricePerMTokOut: number;
}

/** Token counts of one role. */
export interface RoleTokens {
  promptTokens: number;
  completionTokens: number;
}

/** USD for `tokens` of one role at `price`. */
export function roleCost(tokens: RoleTokens, price: RolePricing | undefined): number {
  if (!price) return 0;
  return (tokens.promptTokens * price.pricePerMTokIn + tokens.completionTokens * price.pricePerMTokOut) / 1_000_000;
}

/** USD for every role's tokens; roles without a price cost nothing. */
export function estimateCost(byRole: Readonly<Record<string, RoleTokens>>, pricing: Readonly<Record<string, RolePricing>>): number {
  let usd = 0;
  for (const [role, tokens] of Object.entries(byRole)) usd += roleCost(tokens, pricing[role]);
  return usd;
}

/** `$0.0123`, `$1.23`, `$1,234.56`. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 1) return `$${usd.toFixed(4)}`;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
