// The dedup snapshot's state file past V8's longest string: writeSnapshot of --rows kept rows shaped
// as a run's ([id, sha256 hex, -1]; default 6,000,000 rows, about 650 MB), then readSnapshot reading
// every row back. One JSON string of them (the version 1 format) cannot exist past 2^29 - 24
// characters (V8's limit: `RangeError: Invalid string length`); the file's size says whether this
// run is past it. Prints seconds, the file's bytes and the process's peak RSS; writes
// bench/results/dedup-snapshot.json.
// Usage: npx tsx bench/dedup-snapshot.ts [--rows 6000000]
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSnapshot, writeSnapshot, type KeptRow } from '../packages/dedup/src/snapshot.ts';
import { tempDir, writeResults } from './support.ts';

const { values } = parseArgs({ options: { rows: { type: 'string' } } });
const ROWS = Number(values.rows ?? 6_000_000);
const V8_MAX_STRING = 2 ** 29 - 24;

function* rows(): Generator<KeptRow> {
  for (let i = 0; i < ROWS; i++) {
    const hex = i.toString(16).padStart(16, '0');
    yield [`s-${hex}.r${(i % 4) + 1}`, hex.repeat(4), -1];
  }
}

const dir = tempDir('dedup-snapshot');
const t0 = performance.now();
writeSnapshot(dir, { header: { mode: 'exact', model: null, variant: null, dimension: 0 }, rows: rows(), count: ROWS }, null);
const writeSeconds = (performance.now() - t0) / 1000;
const bytes = statSync(join(dir, 'state-00000001.jsonl')).size;

const t1 = performance.now();
const snap = await readSnapshot(dir);
let read = 0;
let last: KeptRow | undefined;
for await (const row of snap?.rows() ?? []) {
  read++;
  last = row;
}
const readSeconds = (performance.now() - t1) / 1000;
const peakRssMB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
rmSync(dir, { recursive: true, force: true });

if (read !== ROWS || last?.[0] !== `s-${(ROWS - 1).toString(16).padStart(16, '0')}.r${((ROWS - 1) % 4) + 1}`) {
  console.error(`bench/dedup-snapshot.ts: read ${read} rows back, expected ${ROWS}`);
  process.exit(1);
}
writeResults('dedup-snapshot', {
  command: `npx tsx bench/dedup-snapshot.ts --rows ${ROWS}`,
  rows: ROWS,
  stateFileBytes: bytes,
  pastV8MaxString: bytes > V8_MAX_STRING,
  writeSeconds: Number(writeSeconds.toFixed(1)),
  readSeconds: Number(readSeconds.toFixed(1)),
  rowsReadBack: read,
  peakRssMB: Math.round(peakRssMB),
});
