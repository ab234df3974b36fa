// `writeReport`: read a run directory and write its self-contained HTML report beside it.
import { writeFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readRunDir } from './report-data.ts';
import { healthChecks, healthWord, renderReport, type HealthCheck } from './report-html.ts';

/** Write the HTML report of `runDir` (default `<runDir>/report.html`); resolves to its path. */
export async function writeReport(runDir: string, outFile?: string): Promise<string> {
  return (await writeReportWithHealth(runDir, outFile)).path;
}

/** `writeReport`, also giving the run's health in one word ("healthy", "look", "problem") and its checks. */
export async function writeReportWithHealth(
  runDir: string,
  outFile?: string,
): Promise<{ path: string; health: ReturnType<typeof healthWord>; checks: HealthCheck[] }> {
  const data = await readRunDir(runDir);
  const path = resolve(outFile ?? join(runDir, 'report.html'));
  // Write then rename, so a half-written report never replaces a good one.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, renderReport(data));
  await rename(tmp, path);
  const checks = healthChecks(data);
  return { path, health: healthWord(checks), checks };
}
