// A run's /metrics as Prometheus tooling sees it: `promtool check metrics` (Debian's prometheus
// package, provisioned by scripts/test.sh) finds nothing to flag in a mid-run or the final scrape;
// prom-client's default metrics keep their standard names (process_*, nodejs_*); the run holds
// /metrics open until a scrape after the end, so the last values reach Prometheus; and a clean
// simulator run's health check says "healthy".
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evolflow, freePort, parseMetrics, sleep, sum, tempDir, VICUNA, writeConfig } from './observe-helpers.ts';

function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `promtool could not run (${r.error.message}): scripts/test.sh installs it with Debian's prometheus package (apt-get install prometheus)`,
    );
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe('/metrics of evolflow run', () => {
  it('is promtool-clean with standard process_* and nodejs_* names, held open for the final scrape; a clean run is healthy', async () => {
    const dir = tempDir('promtool');
    const out = join(dir, 'out');
    const config = writeConfig(dir, { run: { rounds: 2 }, simulator: { latencyMs: 10 }, observe: { finalScrapeMs: 120_000 } });
    const port = await freePort();
    const run = evolflow([
      'run',
      '--config',
      config,
      '--seeds',
      VICUNA,
      '--out',
      out,
      '--metrics-port',
      String(port),
      '--no-progress',
      '--log-level',
      'info',
    ]);
    const texts: string[] = [];
    let finished = false;
    void run.code.then(() => (finished = true));
    while (!finished) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (res.ok) texts.push(await res.text());
      } catch {
        // not listening yet, or closed
      }
      await sleep(200);
    }
    expect(await run.code, run.stderr()).toBe(0);
    const live = texts.filter((t) => sum(parseMetrics(t), 'evolflow_records_in_total') > 0);
    expect(live.length).toBeGreaterThanOrEqual(2);
    const last = live.at(-1) as string;

    for (const text of [live[0] as string, last]) {
      expect(promtool(text)).toEqual({ status: 0, output: '' });
      expect(text).not.toContain('evolflow_process_');
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    }
    // The final scrape carries the final counters (the run waited for it instead of leaving first).
    const final = parseMetrics(readFileSync(join(out, 'metrics.prom'), 'utf8'));
    const lastSamples = parseMetrics(last);
    for (const name of ['evolflow_records_in_total', 'evolflow_kept_total', 'evolflow_llm_requests_total', 'evolflow_llm_tokens_total']) {
      expect(sum(lastSamples, name), name).toBe(sum(final, name));
    }
    expect(sum(final, 'evolflow_records_in_total')).toBeGreaterThan(0);
    expect(run.stderr()).toContain('final metrics scraped');
    expect(run.stdout()).toContain('(health: healthy)');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('data-health="healthy"');
  });
});
