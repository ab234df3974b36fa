import { describe, expect, it } from 'vitest';
import type { ReportData } from './report-data.ts';
import { healthChecks, healthWord } from './report-html.ts';

/** Report data of a run whose evolutions kept and rejected these counts per strategy (one round). */
function runData(provider: string | undefined, perStrategy: Record<string, [kept: number, rejected: number]>): ReportData {
  const strategies = Object.entries(perStrategy).map(([strategy, [kept, rejected]]) => ({
    strategy,
    kept,
    rejected,
    reasons: rejected ? { sorry: rejected } : {},
  }));
  const kept = strategies.reduce((a, s) => a + s.kept, 0);
  const rejected = strategies.reduce((a, s) => a + s.rejected, 0);
  return {
    run: { config: { observe: { failureBand: { low: 0.02, high: 0.5 } }, ...(provider ? { llm: { provider } } : {}) } },
    rounds: [{ round: 1, kept, rejected, reasons: {} }],
    strategies,
    lengthByRound: [],
    difficultyByRound: [],
    difficultyExcluded: 0,
  } as unknown as ReportData;
}

const six = (kept: number, rejected: number) =>
  Object.fromEntries(
    ['add-constraints', 'complicate-input', 'concretizing', 'deepening', 'increase-reasoning', 'mutation'].map(
      (s): [string, [number, number]] => [s, [kept, rejected]],
    ),
  );

describe('report health checks', () => {
  it('calls a clean simulator run healthy: no failures there is not news', () => {
    const checks = healthChecks(runData('sim', six(14, 0)));
    expect(healthWord(checks)).toBe('healthy');
    expect(checks[0]).toEqual({
      name: 'Failure rate in band',
      state: 'ok',
      detail:
        '0 of 84 evolutions failed (0.0%; band 2%–50%); fewer failures than the band is not news against the simulator, which fails only where faults are configured',
    });
  });

  it('calls too few failures a problem only on a real endpoint with enough evolutions, in words matching its numbers', () => {
    expect(healthWord(healthChecks(runData('openai', six(20, 0))))).toBe('healthy');
    expect(healthChecks(runData('openai', six(20, 0)))[0]?.detail).toContain('too few evolutions to call a low rate too low (120 < 150)');
    const low = healthChecks(runData('openai', { deepening: [200, 1], mutation: [100, 20] }));
    expect(healthWord(low)).toBe('look');
    expect(low[0]?.detail).toBe('21 of 321 evolutions failed (6.5%; band 2%–50%); outside the band: deepening 1 of 201 (0.5%, below)');
    // 3 of 151 is 1.99%: printed so that it never reads "2.0% (below 2.0%)".
    const edge = healthChecks(runData('openai', { deepening: [148, 3] }));
    expect(healthWord(edge)).toBe('problem');
    expect(edge[0]?.detail).toBe('3 of 151 evolutions failed (1.99%; band 2%–50%); outside the band: deepening 3 of 151 (1.99%, below)');
  });

  it('calls too many failures a problem anywhere, the simulator included', () => {
    const high = healthChecks(runData('sim', { deepening: [10, 30], mutation: [30, 0] }));
    expect(healthWord(high)).toBe('look');
    expect(high[0]?.detail).toBe('30 of 70 evolutions failed (42.9%; band 2%–50%); outside the band: deepening 30 of 40 (75.0%, above)');
  });
});
