// Renders report data as one self-contained HTML page: inline CSS, inline SVG charts, a few lines
// of inline JS, nothing fetched from the network. Each chart is a <figure data-chart data-points>.
import { formatUsd } from './cost.ts';
import { percentBeside, percentEdge, tooFewSamples } from './failure-guard.ts';
import { formatDuration } from './progress.ts';
import { ROLE_STAGE, type ReportData, type RunJson, type SampleChain } from './report-data.ts';
import { barChart, binned, boxPlot, esc, lineChart, PALETTE, type BarSeries, type Chart } from './svg-charts.ts';

/** The charts every report has, in page order (the report test checks each one). */
export const REPORT_CHARTS = ['rounds', 'reasons', 'difficulty', 'length', 'similarity', 'tokens', 'throughput'] as const;

const CSS = `
:root{--fg:#1d2430;--muted:#5b6577;--line:#d8dde6;--bg:#f6f7f9;--ok:#2e7d32;--warn:#b26a00;--bad:#c62828}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px;background:#1d2430;color:#fff}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c7cdd8}
main{padding:20px 28px;max-width:1480px;margin:0 auto}h2{font-size:17px;margin:28px 0 10px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}.tile b{display:block;font-size:20px}.tile span{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px}
figure.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px}
figure.chart figcaption{font-weight:600;margin-bottom:6px}figure.chart p.note{margin:6px 0 0;color:var(--muted);font-size:12px}p.note{color:var(--muted);font-size:12px}
svg{width:100%;height:auto;display:block}svg .grid{stroke:#eef0f4}svg .axis{stroke:#8a93a3}svg .tick{font-size:10px;fill:#5b6577}svg .label{font-size:11px;fill:#5b6577}
svg .whisker{stroke:#4e79a7}svg .median{stroke:#1d2430;stroke-width:2}svg .ref{stroke:#c62828;stroke-dasharray:4 3}svg .ref-label{font-size:10px;fill:#c62828}
svg .line{fill:none;stroke-width:2}svg .mark:hover{opacity:.75}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;margin-top:6px;font-size:12px;color:var(--muted)}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.empty{padding:40px;text-align:center;color:var(--muted)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}th{background:#eef0f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.chain{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:8px 12px}.chain summary{cursor:pointer;font-weight:600}
.step{border-left:3px solid #4e79a7;margin:8px 0;padding:2px 10px}.step .meta{color:var(--muted);font-size:12px}.step pre,.resp pre{white-space:pre-wrap;margin:4px 0;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
.resp{border-left:3px solid #59a14f;margin:8px 0;padding:2px 10px}.toolbar{margin:0 0 8px}button{font:inherit;padding:3px 10px}
footer{color:var(--muted);font-size:12px;padding:20px 28px}
`;

const JS = `
document.getElementById('expand')?.addEventListener('click',()=>{const all=[...document.querySelectorAll('details.chain')];const open=!all.every(d=>d.open);all.forEach(d=>d.open=open);});
document.body.dataset.charts=String(document.querySelectorAll('figure.chart').length);
`;

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function legend(series: readonly BarSeries[]): string {
  return `<div class="legend">${series.map((s, j) => `<span><i style="background:${s.color ?? PALETTE[j % PALETTE.length]}"></i>${esc(s.name)}</span>`).join('')}</div>`;
}

/** One chart in a <figure> named `id` (data-chart), or the `extra.empty` text when it has no points. */
function figure(
  { id, title }: { id: string; title: string },
  chart: Chart | undefined,
  extra: { legend?: string; note?: string; empty?: string },
): string {
  const points = chart?.points ?? 0;
  const body =
    chart && points > 0 ? chart.svg + (extra.legend ?? '') : `<div class="empty">${esc(extra.empty ?? 'no data in this run')}</div>`;
  return `<figure class="chart" data-chart="${id}" data-points="${points}"><figcaption>${esc(title)}</figcaption>${body}${extra.note ? `<p class="note">${esc(extra.note)}</p>` : ''}</figure>`;
}

/** Series for the most frequent `top` keys of per-category counts, the rest summed as "other". */
function topSeries(rows: readonly Record<string, number>[], top: number): BarSeries[] {
  const totals = new Map<string, number>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) totals.set(k, (totals.get(k) ?? 0) + v);
  const keys = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  const shown = keys.slice(0, top);
  const series: BarSeries[] = shown.map((k) => ({ name: k, values: rows.map((r) => r[k] ?? 0) }));
  if (keys.length > top)
    series.push({ name: 'other', color: '#bab0ac', values: rows.map((r) => keys.slice(top).reduce((a, k) => a + (r[k] ?? 0), 0)) });
  return series;
}

/** One health check of the report: `ok` reads "healthy", `warn` "look", `bad` "problem". */
export interface HealthCheck {
  name: string;
  state: 'ok' | 'warn' | 'bad';
  detail: string;
}

/**
 * Where a failure count sits against the band. Too many failures count anywhere; too few only
 * against a real endpoint (the simulator fails only where faults are configured) and over enough
 * evolutions to tell a low rate from chance (`tooFewSamples`).
 */
function bandSide(o: { failed: number; total: number; band: { low: number; high: number }; real: boolean }): 'high' | 'low' | 'in' {
  const rate = o.failed / o.total;
  if (rate > o.band.high) return 'high';
  return o.real && rate < o.band.low && o.total >= tooFewSamples(o.band.low) ? 'low' : 'in';
}

/** The paper's sanity checks: failure rate in band, difficulty rising per round, no complexity explosion. */
export function healthChecks(data: ReportData): HealthCheck[] {
  const out: HealthCheck[] = [];
  const band = data.run.config?.observe?.failureBand ?? { low: 0.02, high: 0.5 };
  const real = data.run.config?.llm?.provider !== undefined && data.run.config.llm.provider !== 'sim';
  const kept = data.rounds.filter((r) => r.round > 0).reduce((a, r) => a + r.kept, 0);
  const rejected = data.rounds.filter((r) => r.round > 0).reduce((a, r) => a + r.rejected, 0);
  if (kept + rejected > 0) {
    const total = kept + rejected;
    const side = bandSide({ failed: rejected, total, band, real });
    const outside = data.strategies
      .map((s) => ({ s, side: s.kept + s.rejected > 0 ? bandSide({ failed: s.rejected, total: s.kept + s.rejected, band, real }) : 'in' }))
      .filter((x) => x.side !== 'in');
    const rateText = (failed: number, all: number, edge: number) => `${percentBeside(failed / all, edge)}`;
    const edgeOf = (failed: number, all: number) => (failed / all > band.high ? band.high : band.low);
    const why =
      !real && rejected / total < band.low
        ? '; fewer failures than the band is not news against the simulator, which fails only where faults are configured'
        : real && rejected / total < band.low && total < tooFewSamples(band.low)
          ? `; too few evolutions to call a low rate too low (${n(total)} < ${n(tooFewSamples(band.low))})`
          : '';
    out.push({
      name: 'Failure rate in band',
      state: side !== 'in' ? 'bad' : outside.length > 0 ? 'warn' : 'ok',
      detail:
        `${n(rejected)} of ${n(total)} evolutions failed (${rateText(rejected, total, edgeOf(rejected, total))}; band ${percentEdge(band.low)}–${percentEdge(band.high)})${why}` +
        (outside.length
          ? `; outside the band: ${outside.map(({ s, side: x }) => `${s.strategy} ${s.rejected} of ${s.kept + s.rejected} (${rateText(s.rejected, s.kept + s.rejected, x === 'high' ? band.high : band.low)}, ${x === 'high' ? 'above' : 'below'})`).join(', ')}`
          : ''),
    });
  }
  const diff = data.difficultyByRound.filter((d) => d.round > 0);
  if (diff.length > 1) {
    const drops = diff.slice(1).filter((d, i) => d.dist.mean < (diff[i]?.dist.mean ?? 0));
    out.push({
      name: 'Difficulty rises per round',
      state: drops.length === 0 ? 'ok' : 'warn',
      detail: `mean ${diff[0]?.source ?? 'difficulty'} by round of the kept records that passed every rule: ${diff.map((d) => `r${d.round} ${d.dist.mean.toFixed(2)} (n ${d.dist.n})`).join(', ')}${drops.length ? `; falls in round ${drops.map((d) => d.round).join(', ')}` : ''}${data.difficultyExcluded ? `; ${n(data.difficultyExcluded)} kept record${data.difficultyExcluded === 1 ? '' : 's'} with a failed check left out` : ''}`,
    });
  }
  const len = data.lengthByRound;
  if (len.length > 1) {
    const maxWords = data.run.config?.validate?.maxWords;
    const budget = data.run.config?.validate?.maxAddedWords;
    const growth = len.slice(1).map((l, i) => ({ round: l.round, add: l.dist.median - (len[i]?.dist.median ?? 0) }));
    const over = growth.filter((g) => budget !== undefined && g.add > budget);
    const top = Math.max(...len.map((l) => l.dist.max));
    out.push({
      name: 'No complexity explosion',
      state: over.length > 0 || (maxWords !== undefined && top > maxWords) ? 'bad' : 'ok',
      detail: `median words by round: ${len.map((l) => `r${l.round} ${l.dist.median.toFixed(0)}`).join(', ')}; growth per round ${growth.map((g) => `${g.add >= 0 ? '+' : ''}${g.add.toFixed(0)}`).join(', ')}${budget !== undefined ? ` (budget +${budget})` : ''}; longest ${top}${maxWords !== undefined ? ` (cap ${maxWords})` : ''}`,
    });
  }
  return out;
}

/** The run's health in one word: "healthy" when every check is ok, else "look" or "problem". */
export function healthWord(list: readonly HealthCheck[]): 'healthy' | 'look' | 'problem' {
  return list.some((c) => c.state === 'bad') ? 'problem' : list.some((c) => c.state === 'warn') ? 'look' : 'healthy';
}

function chainHtml(c: SampleChain, i: number): string {
  const last = c.steps.at(-1);
  const label = `${c.state === 'kept' ? '✓' : '✗'} ${c.finalId} — ${c.steps.map((s) => (s.strategy ? s.strategy : 'seed')).join(' → ')}${c.reason ? ` (${c.reason})` : ''}`;
  const steps = c.steps
    .map(
      (s) =>
        `<div class="step"><div class="meta">round ${s.round} · ${esc(s.strategy ?? 'seed')} · ${s.words} words${s.difficulty !== undefined ? ` · difficulty ${s.difficulty}` : ''} · ${esc(s.id)}</div><pre>${esc(s.instruction)}</pre></div>`,
    )
    .join('');
  const resp = c.response
    ? `<div class="resp"><div class="meta">response to round ${last?.round ?? '?'}</div><pre>${esc(c.response)}</pre></div>`
    : '';
  return `<details class="chain" data-state="${esc(c.state)}"${i < 2 ? ' open' : ''}><summary>${esc(label)}</summary>${steps}${resp}</details>`;
}

/**
 * How the run ended, in one line for the report's header: a partial run (stopped before every record
 * reached its terminal state) says what stopped it and how to resume; a resumed one, its attempt.
 */
export function runStateLine(run: RunJson): string {
  const attempt = (run.attempts ?? 1) > 1 ? `attempt ${run.attempts} (resumed)` : '';
  if (run.partial)
    return [
      `partial: stopped by ${run.stoppedBy ?? 'a stop'} before every record was finished; run the same command again to resume`,
      attempt,
    ]
      .filter(Boolean)
      .join(' · ');
  return ['complete', attempt].filter(Boolean).join(' · ');
}

/** Tiles with the LLM totals of every attempt, when the run resumed stopped ones (what it all cost, not only the last invocation). */
export function allAttemptTiles(run: RunJson): [string, string][] {
  const all = run.llmAllAttempts;
  const attempts = run.attempts ?? 1;
  if (!all || attempts <= 1) return [];
  return [
    [`LLM calls, all ${attempts} attempts`, n(all.calls ?? 0)],
    ['tokens, all attempts', n((all.promptTokens ?? 0) + (all.completionTokens ?? 0))],
    ['cost, all attempts', formatUsd(all.costUsd ?? 0)],
  ];
}

/** The whole page. */
export function renderReport(data: ReportData, generatedAt = new Date()): string {
  const run = data.run;
  const title = `evolflow run report — ${data.runDir}`;
  const rounds = data.rounds;
  const roundNames = rounds.map((r) => (r.round === 0 ? 'seeds' : `round ${r.round}`));
  const roundSeries: BarSeries[] = [
    { name: 'kept', color: '#59a14f', values: rounds.map((r) => r.kept) },
    { name: 'rejected', color: '#e15759', values: rounds.map((r) => r.rejected) },
  ];
  const strategies = data.strategies.filter((s) => s.rejected > 0);
  const reasonSeries = topSeries(
    strategies.map((s) => s.reasons),
    9,
  );
  const lengthRef = [
    ...(run.config?.validate?.maxWords !== undefined
      ? [{ value: run.config.validate.maxWords, label: `cap ${run.config.validate.maxWords} words` }]
      : []),
  ];
  const simSeries: BarSeries[] = [
    { name: 'kept (nearest kept before it)', color: '#4e79a7', values: binned(data.similarity.kept, 20, [0, 1]) },
    { name: 'rejected as duplicate', color: '#e15759', values: binned(data.similarity.duplicates, 20, [0, 1]) },
  ];
  const tokenSeries: BarSeries[] = [
    { name: 'prompt tokens', color: '#4e79a7', values: data.perStage.map((s) => s.promptTokens) },
    { name: 'completion tokens', color: '#f28e2b', values: data.perStage.map((s) => s.completionTokens) },
  ];
  const totalCost = data.perStage.reduce((a, s) => a + s.costUsd, 0);
  const stageNames = [...new Set(data.throughput.flatMap((p) => Object.keys(p.rates)))];
  const tpSeries: BarSeries[] = stageNames.map((s) => ({ name: s, values: data.throughput.map((p) => p.rates[s] ?? 0) }));
  const evolutions = rounds.filter((r) => r.round > 0).reduce((a, r) => a + r.kept + r.rejected, 0);

  const figures = [
    figure(
      { id: 'rounds', title: 'Accepted vs rejected per round' },
      barChart({ categories: roundNames, series: roundSeries, xLabel: 'round', yLabel: 'records' }),
      {
        legend: legend(roundSeries),
        note: 'Round 0: seeds read and seed lines rejected. Later rounds: evolutions kept (passed dedup) and rejected at any stage.',
      },
    ),
    figure(
      { id: 'reasons', title: 'Reject reasons per strategy' },
      barChart({
        categories: strategies.map((s) => s.strategy),
        series: reasonSeries,
        stacked: true,
        xLabel: 'strategy',
        yLabel: 'rejected evolutions',
      }),
      {
        legend: legend(reasonSeries),
        empty: 'no evolution was rejected',
      },
    ),
    figure(
      {
        id: 'difficulty',
        title: `Difficulty per round (${data.difficultyByRound[0]?.source === 'estimate' ? 'heuristic estimate' : 'judge score'})`,
      },
      boxPlot({
        groups: data.difficultyByRound.map((d) => ({ label: d.round === 0 ? 'seeds' : `round ${d.round}`, dist: d.dist })),
        xLabel: 'round',
        yLabel: 'difficulty',
        yMin: 0,
        yMax: 10,
      }),
      {
        note: 'Box: quartiles; whiskers: min and max; dot: mean. The paper expects it to rise round over round.',
        empty: 'no difficulty scores',
      },
    ),
    figure(
      { id: 'length', title: 'Instruction length per round' },
      boxPlot({
        groups: data.lengthByRound.map((d) => ({ label: d.round === 0 ? 'seeds' : `round ${d.round}`, dist: d.dist })),
        xLabel: 'round',
        yLabel: 'words',
        refLines: lengthRef,
      }),
      {
        note: `Words per kept instruction. validate rejects above validate.maxWords${run.config?.validate?.maxAddedWords !== undefined ? ` and growth above +${run.config.validate.maxAddedWords} words per round` : ''}.`,
      },
    ),
    figure(
      { id: 'similarity', title: 'Dedup similarity to the nearest kept record' },
      barChart({
        categories: Array.from({ length: 20 }, (_, i) => (i * 0.05).toFixed(2)),
        series: simSeries,
        xLabel: 'similarity',
        yLabel: 'records',
      }),
      {
        legend: legend(simSeries),
        empty: 'no dedup similarities recorded',
        ...(data.run.config?.dedup?.mode === 'exact'
          ? {
              note: 'dedup.mode is exact: a record is either an exact copy (similarity 1) or not (0). Semantic mode records the cosine similarity to the nearest kept record.',
            }
          : {}),
      },
    ),
    figure(
      { id: 'tokens', title: 'Tokens and cost per stage' },
      barChart({
        categories: data.perStage.map((s) => `${s.stage} (${s.role})`),
        series: tokenSeries,
        stacked: true,
        xLabel: 'stage (LLM role)',
        yLabel: 'tokens',
      }),
      {
        legend: legend(tokenSeries),
        note:
          data.perStage.map((s) => `${s.stage}: ${n(s.calls)} calls, ${formatUsd(s.costUsd)}`).join(' · ') +
          (data.perStage.length ? ` · total ${formatUsd(totalCost)}` : ''),
        empty: 'no LLM usage in run.json',
      },
    ),
    figure(
      { id: 'throughput', title: 'Throughput over time' },
      lineChart({
        xs: data.throughput.map((p) => p.t / 1000),
        series: tpSeries,
        xLabel: 'seconds since start',
        yLabel: 'records finished per second',
      }),
      {
        legend: legend(tpSeries),
        empty: 'no timeline in run.json',
      },
    ),
  ];

  const llm = run.llm ?? {};
  const tiles: [string, string][] = [
    ['seeds', n(data.counts.seeds)],
    ['evolutions', n(evolutions)],
    ['kept evolutions', n(data.counts.kept)],
    ['rejected', n(data.counts.rejected)],
    ['dead-lettered', n(data.counts.deadLettered)],
    ['dataset records', n(data.counts.dataset)],
    ['LLM calls', n(llm.calls ?? 0)],
    ['cache hits', n(llm.cacheHits ?? 0)],
    ['tokens', n((llm.promptTokens ?? 0) + (llm.completionTokens ?? 0))],
    ['estimated cost', formatUsd(totalCost)],
    ['duration', run.durationMs !== undefined ? formatDuration(run.durationMs) : '?'],
    ...allAttemptTiles(run),
  ];

  const strategyRows = data.strategies
    .map((s) => {
      const total = s.kept + s.rejected;
      const top = Object.entries(s.reasons)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([r, k]) => `${esc(r)} ${k}`)
        .join(', ');
      return `<tr><td>${esc(s.strategy)}</td><td class="num">${n(total)}</td><td class="num">${n(s.kept)}</td><td class="num">${n(s.rejected)}</td><td class="num">${total ? pct(s.rejected / total) : '–'}</td><td>${top}</td></tr>`;
    })
    .join('');
  const stageRows = data.stageCounts
    .map(
      (st) =>
        `<tr><td>${esc(st.stage)}</td>${[st.in, st.out, st.rejected, st.absorbed, st.deadLettered, st.cancelled, st.retries].map((v) => `<td class="num">${n(v)}</td>`).join('')}</tr>`,
    )
    .join('');
  // The verify stage: per kind of check, how many were kept and rejected by each reason.
  const verifyRows = Object.entries(data.run.verify ?? {})
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([checked, byReason]) => {
      const total = Object.values(byReason).reduce((x, y) => x + y, 0);
      const rejects = Object.entries(byReason)
        .filter(([r]) => r !== 'ok')
        .sort((a, b) => b[1] - a[1])
        .map(([r, k]) => `${esc(r)} ${k}`)
        .join(', ');
      return `<tr><td>${esc(checked)}</td><td class="num">${n(total)}</td><td class="num">${n(byReason.ok ?? 0)}</td><td>${rejects || '–'}</td></tr>`;
    })
    .join('');
  const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
  const latencyRows = data.latency
    .map(
      (l) =>
        `<tr><td>${esc(l.role)}${ROLE_STAGE[l.role] ? ` (${esc(ROLE_STAGE[l.role] as string)})` : ''}</td><td class="num">${n(l.calls)}</td><td class="num">${ms(l.meanMs)}</td><td class="num">${ms(l.p50Ms)}</td><td class="num">${ms(l.p95Ms)}</td></tr>`,
    )
    .join('');
  const health = healthChecks(data);
  const word = healthWord(health);
  const checkRows = health
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td class="${c.state}">${c.state === 'ok' ? 'ok' : c.state === 'warn' ? 'look' : 'problem'}</td><td>${esc(c.detail)}</td></tr>`,
    )
    .join('');
  const examples = data.rejectExamples
    .map(
      (e) =>
        `<tr><td>${esc(e.reason)}</td><td>${esc(e.stage)}</td><td>${esc(e.strategy ?? '–')}</td><td class="num">${e.round}</td><td><pre style="white-space:pre-wrap;margin:0">${esc(e.instruction.slice(0, 600))}</pre>${e.detail ? `<div class="warn">${esc(e.detail.slice(0, 300))}</div>` : ''}</td></tr>`,
    )
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>evolflow run report</h1><p>${esc(data.runDir)}${run.startedAt ? ` · started ${esc(run.startedAt)}` : ''}${run.finishedAt ? ` · finished ${esc(run.finishedAt)}` : ''}${run.config?.run?.rounds !== undefined ? ` · ${run.config.run.rounds} rounds` : ''}</p><p class="${run.partial ? 'warn' : 'ok'}" data-run-state="${run.partial ? 'partial' : 'complete'}">${esc(runStateLine(run))}</p></header>
<main>
<section class="tiles">${tiles.map(([k, v]) => `<div class="tile"><b>${esc(v)}</b><span>${esc(k)}</span></div>`).join('')}</section>
${checkRows ? `<h2>Health checks: <span class="${word === 'healthy' ? 'ok' : word === 'look' ? 'warn' : 'bad'}" data-health="${word}">${word}</span></h2><table class="checks"><tr><th>check</th><th>state</th><th>detail</th></tr>${checkRows}</table>` : ''}
<h2>Charts</h2>
<section class="charts">${figures.join('\n')}</section>
${stageRows ? `<h2>Stages</h2><table class="stages"><tr><th>stage</th><th class="num">in</th><th class="num">out</th><th class="num">rejected</th><th class="num">absorbed</th><th class="num">dead-lettered</th><th class="num">left at the stop</th><th class="num">retries</th></tr>${stageRows}</table>` : ''}
${verifyRows ? `<h2>Verified answers</h2><table class="verify"><tr><th>checked</th><th class="num">answers</th><th class="num">kept</th><th>rejected by reason</th></tr>${verifyRows}</table><p class="note">The verify stage: code run with its tests in a sandbox, math cross-checked by samples; none = nothing to run or cross-check.</p>` : ''}
${latencyRows ? `<h2>LLM latency</h2><table class="latency"><tr><th>role (stage)</th><th class="num">requests</th><th class="num">mean</th><th class="num">p50</th><th class="num">p95</th></tr>${latencyRows}</table><p class="note">From the run's final metrics (metrics.prom); quantiles interpolated within histogram buckets.</p>` : ''}
<h2>Strategies</h2>
<table class="strategies"><tr><th>strategy</th><th class="num">evolutions</th><th class="num">kept</th><th class="num">rejected</th><th class="num">failure rate</th><th>top reject reasons</th></tr>${strategyRows}</table>
<h2>Sample evolution chains</h2>
<div class="toolbar"><button id="expand" type="button">expand / collapse all</button></div>
<section class="chains">${data.samples.length ? data.samples.map(chainHtml).join('\n') : '<p class="empty">no chains in lineage.jsonl</p>'}</section>
${examples ? `<h2>One rejected example per reason</h2><table class="rejects"><tr><th>reason</th><th>stage</th><th>strategy</th><th>round</th><th>instruction</th></tr>${examples}</table>` : ''}
</main>
<footer>Generated by evolflow report at ${esc(generatedAt.toISOString())}${data.counts.badLines ? ` · ${data.counts.badLines} unreadable JSONL lines skipped` : ''}. Self-contained: no network needed.</footer>
<script>${JS}</script>
</body></html>
`;
}
