// The run report rendered in headless Chromium: every chart drawn with data, no network, a screenshot.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { REPORT_CHARTS, writeReport } from '@evolflow/observe';
import { writeFixtureRun } from './observe-fixture.ts';
import { evolflow, tempDir, VICUNA, writeConfig } from './observe-helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUTPUT = new URL('../test-output/', import.meta.url).pathname;

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
});

/** Open a report; check it fetched nothing and drew every chart with data; save a screenshot. */
async function checkReport(file: string, screenshot: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  const charts = await page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const box = f.querySelector('svg')?.getBoundingClientRect();
      return {
        id: f.getAttribute('data-chart'),
        points: Number(f.getAttribute('data-points')),
        marks: f.querySelectorAll('svg .mark').length,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
      };
    }),
  );
  expect(charts.map((c) => c.id)).toEqual([...REPORT_CHARTS]);
  for (const c of charts) {
    expect(c.points, `chart ${c.id} has data`).toBeGreaterThan(0);
    expect(c.marks, `chart ${c.id} drew marks`).toBeGreaterThan(0);
    expect(c.width, `chart ${c.id} is visible`).toBeGreaterThan(200);
    expect(c.height, `chart ${c.id} is visible`).toBeGreaterThan(80);
  }
  expect(await page.locator('body').getAttribute('data-charts')).toBe(String(REPORT_CHARTS.length));
  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, screenshot), fullPage: true });
  return page;
}

describe('evolflow report in a browser', () => {
  it('renders the report evolflow run wrote for a simulator run, every chart with data', async () => {
    const dir = tempDir('report-run');
    const out = join(dir, 'out');
    const config = writeConfig(dir, {
      run: { rounds: 3 },
      simulator: {
        latencyMs: 20,
        faultRate: 0.06,
        faults: ['meta-copy', 'unchanged', 'no-gain', 'refusal', 'too-short', 'stopwords-only'],
      },
      eliminate: { difficultyJudge: true },
      llm: {
        concurrency: 8,
        roles: {
          evolver: { pricePerMTokIn: 2.5, pricePerMTokOut: 10 },
          responder: { pricePerMTokIn: 0.15, pricePerMTokOut: 0.6 },
          judge: { pricePerMTokIn: 0.15, pricePerMTokOut: 0.6 },
        },
      },
      stages: { concurrency: 8 },
    });
    const run = evolflow(['run', '--config', config, '--seeds', VICUNA, '--out', out, '--log-level', 'error']);
    expect(await run.code, run.stderr()).toBe(0);
    expect(run.stdout()).toContain(`report: ${join(out, 'report.html')}`);
    const page = await checkReport(join(out, 'report.html'), 'observe-report-simulator-run.png');
    // Difficulty comes from the judge, and the rounds chart has the seeds and three rounds.
    expect(await page.locator('figure[data-chart="difficulty"] figcaption').textContent()).toContain('judge score');
    const rounds = await page.$$eval('figure[data-chart="rounds"] .mark title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(rounds).toContain('seeds · kept: 80');
    expect(rounds.some((t) => t.startsWith('round 3 · kept'))).toBe(true);
    expect(rounds.some((t) => t.includes('rejected'))).toBe(true);
    expect(await page.locator('details.chain').count()).toBeGreaterThan(5);
    await page.close();
  });

  it('evolflow report writes the file it names, and says what to pass when the folder is wrong', async () => {
    const runDir = tempDir('report-cli');
    writeFixtureRun(runDir, { seeds: 10, rounds: 2 });
    const outFile = join(runDir, 'elsewhere.html');
    const ok = evolflow(['report', runDir, '--out', outFile]);
    expect(await ok.code, ok.stderr()).toBe(0);
    expect(ok.stdout().trim()).toBe(outFile);
    expect(existsSync(outFile)).toBe(true);
    // Usage and path errors exit 2 (README, exit codes).
    const bad = evolflow(['report', join(runDir, 'missing')]);
    expect(await bad.code).toBe(2);
    expect(bad.stderr()).toContain(`${join(runDir, 'missing')} is not a folder; pass the run directory`);
    const none = evolflow(['report']);
    expect(await none.code).toBe(2);
    expect(none.stderr()).toContain('report: expected one run directory, got none');
  });

  it('renders a synthetic run with every chart and readable chains', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'evolflow-report-'));
    const written = writeFixtureRun(runDir, { seeds: 40, rounds: 4 });
    const file = await writeReport(runDir);
    expect(file).toBe(join(runDir, 'report.html'));
    const page = await checkReport(file, 'observe-report.png');
    const rounds = await page.$$eval('figure[data-chart="rounds"] .mark title', (ts) => ts.map((t) => t.textContent));
    expect(rounds).toContain(`seeds · kept: ${written.seeds}`);
    // Sample chains read seed -> round n.
    const chains = await page.$$eval('details.chain', (ds) => ds.map((d) => d.querySelectorAll('.step').length));
    expect(chains.length).toBeGreaterThan(5);
    expect(Math.max(...chains)).toBeGreaterThan(2);
    expect(await page.locator('table.checks td').allTextContents()).toContain('Difficulty rises per round');
    await page.close();
  });
});
