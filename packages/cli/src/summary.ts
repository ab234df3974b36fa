// The end-of-run summary table: per round and per strategy, accepted and rejected by reason code.
import type { RunSummary } from './pipeline.ts';

function table(title: string, rows: Record<string, { kept: number; rejected: Record<string, number> }>): string {
  const reasons = [...new Set(Object.values(rows).flatMap((r) => Object.keys(r.rejected)))].sort();
  const head = [title, 'accepted', 'rejected', ...reasons];
  const body = Object.entries(rows)
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([k, r]) => [
      k,
      String(r.kept),
      String(Object.values(r.rejected).reduce((a, b) => a + b, 0)),
      ...reasons.map((x) => String(r.rejected[x] ?? 0)),
    ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatSummary(s: RunSummary): string {
  const t = s.totals;
  const u = s.llm;
  return [
    '',
    table('round', s.rounds),
    '',
    table('strategy', s.strategies),
    '',
    `seeds ${t.seeds} (+${t.seedRejects} rejected lines) | evolutions ${t.evolutions}: kept ${t.kept}, rejected ${t.evolutions - t.kept} | dataset ${t.dataset} records (${t.replayed} replayed seeds) | dead-lettered ${t.deadLettered}`,
    `LLM: ${u.calls} calls (${u.cacheHits} cache hits, ${u.retries} retries, ${u.errors} errors), ${u.promptTokens} prompt + ${u.completionTokens} completion tokens | ${(s.durationMs / 1000).toFixed(1)} s`,
    ...(s.attempts > 1
      ? [
          `all ${s.attempts} attempts: ${s.llmAllAttempts.calls} calls (${s.llmAllAttempts.cacheHits} cache hits, ${s.llmAllAttempts.errors} errors), ${s.llmAllAttempts.promptTokens} prompt + ${s.llmAllAttempts.completionTokens} completion tokens`,
        ]
      : []),
    `output: ${s.outDir}`,
    '',
  ].join('\n');
}
