// The response cache's corruption check: how long opening a cache takes when it must be read
// through first (after a crash, a stop that abandoned calls, or a change by another program) and
// when its clean-close marker lets it skip that. `npx tsx bench/cache-probe.ts [entries...]`
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_MARKER, openResponseCache } from '../packages/llm/src/cache.ts';
import { writeResults } from './support.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const TEXT = 'word '.repeat(300); // an answer of about 1.5 KB
const rows: { entries: number; dataMB: number; openCheckedMs: number; openMarkedMs: number; checkedMsPer10k: number }[] = [];
for (const entries of sizes.length > 0 ? sizes : [10_000, 100_000]) {
  const dir = join(mkdtempSync(join(tmpdir(), 'evolflow-cache-probe-')), 'cache');
  const fill = openResponseCache(dir);
  for (let i = 0; i < entries; i++) fill.put(`key-${i}`, { text: `${TEXT}${i}`, id: `id-${i}`, promptTokens: 100, completionTokens: 300 });
  await fill.close();
  const dataMB = Math.round(statSync(join(dir, 'data.mdb')).size / 1e6);
  unlinkSync(join(dir, CACHE_MARKER)); // as after a crash: no clean-close marker
  let t = performance.now();
  const checked = openResponseCache(dir);
  const openCheckedMs = Math.round(performance.now() - t);
  if (checked.movedAside) throw new Error(`a clean cache was moved aside to ${checked.movedAside}`);
  await checked.close();
  t = performance.now();
  const marked = openResponseCache(dir);
  const openMarkedMs = Math.round(performance.now() - t);
  await marked.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
  rows.push({ entries, dataMB, openCheckedMs, openMarkedMs, checkedMsPer10k: Math.round((openCheckedMs / entries) * 10_000) });
  console.log(
    `${entries} entries (${dataMB} MB): open after a crash ${openCheckedMs} ms (read through by a child process), after a clean close ${openMarkedMs} ms`,
  );
}
writeResults('cache-probe', { rows });
