// Reading back what evolflow writes: the rows of a dataset in any output format (Alpaca, ShareGPT,
// OpenAI messages; JSON lines or Parquet; a file, or an output folder whose rows are under data/),
// each as the seed reader's fields (instruction, input, response) plus its per-record metadata when
// the rows carry it (a `metadata` field or column), for `evolflow difficulty` and `evolflow mix`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { EvolflowError, seedFields, seedRecord, type EvolRecord, type SeedFields } from '@evolflow/core';
import { DATASET_FILE, PARQUET_FILE } from '@evolflow/mixer';

/** The metadata evolflow writes beside a row (`mix.metadata: field`), as far as it is present. */
export interface RowMetadata {
  id?: string;
  seedId?: string;
  round?: number;
  strategies?: string[];
  scores?: Record<string, number>;
  replay?: boolean;
}

/** One row: its 1-based line (or row number), the parsed value, and its fields when it has any. */
export interface DatasetRow {
  line: number;
  value: unknown;
  fields: SeedFields | null;
  metadata: RowMetadata | null;
}

/** The file a path names: itself, or for an output folder its JSONL rows (else its Parquet rows). */
export function datasetFileOf(path: string): string {
  if (!existsSync(path)) throw new EvolflowError('input', `${path} not found`);
  if (!statSync(path).isDirectory()) return path;
  for (const f of [DATASET_FILE, PARQUET_FILE]) if (existsSync(join(path, f))) return join(path, f);
  throw new EvolflowError(
    'input',
    `${path} is a folder without ${DATASET_FILE} or ${PARQUET_FILE}; pass a dataset file or an output folder evolflow wrote`,
  );
}

function metadataOf(value: unknown): RowMetadata | null {
  let m = (value as { metadata?: unknown } | null)?.metadata;
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m) as unknown;
    } catch {
      return null;
    }
  }
  return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as RowMetadata) : null;
}

function fieldsOf(value: unknown): SeedFields | null {
  try {
    const f = seedFields(value);
    return f.instruction.trim() === '' ? null : f;
  } catch {
    return null;
  }
}

const row = (value: unknown, line: number): DatasetRow => ({ line, value, fields: fieldsOf(value), metadata: metadataOf(value) });

/** Parquet values a row may hold that JSON does not (bigint counts) made plain. */
const plain = (v: unknown): unknown =>
  typeof v === 'bigint'
    ? Number(v)
    : Array.isArray(v)
      ? v.map(plain)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
        : v;

/**
 * Every row of `file` ("-" reads stdin): a `.parquet` file row by row, anything else line by line
 * (a JSON object per line in any format the seed reader knows, or plain text). A line that is not
 * JSON is an error naming the file and line.
 */
export async function readDatasetRows(file: string): Promise<DatasetRow[]> {
  if (file.endsWith('.parquet')) {
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file: await asyncBufferFromFile(file) });
    } catch (cause) {
      throw new EvolflowError('input', `${file}: not a readable Parquet file (${(cause as Error).message})`, { cause });
    }
    return objects.map((o, i) => row(plain(o), i + 1));
  }
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (cause) {
    throw new EvolflowError('input', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const out: DatasetRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      out.push({ line: i + 1, value: '', fields: null, metadata: null });
      return;
    }
    if (!line.trimStart().startsWith('{')) {
      out.push(row(line.trim(), i + 1));
      return;
    }
    try {
      out.push(row(JSON.parse(line) as unknown, i + 1));
    } catch (cause) {
      throw new EvolflowError('input', `${file}:${i + 1}: not JSON (${(cause as Error).message}); fix the line`, {
        cause,
        details: { file, line: i + 1 },
      });
    }
  });
  if (out.at(-1)?.value === '' && text.endsWith('\n')) out.pop();
  return out;
}

/** "3, 7, 12 and 4 more": the first few line numbers of a list, for one summary line. */
export function someLines(lines: readonly number[], shown = 5): string {
  const head = lines.slice(0, shown).join(', ');
  return lines.length > shown ? `${head} and ${lines.length - shown} more` : head;
}

/** Records rebuilt from dataset rows, split as the mix stage takes them, and what could not be read. */
export interface DatasetRecords {
  /** Evolved records (metadata round > 0, or rows without metadata). */
  evolved: EvolRecord[];
  /** Original seeds (metadata `replay` or round 0). */
  seeds: EvolRecord[];
  /** Rows without metadata (taken as evolved records of round 1). */
  withoutMetadata: number;
  /** Lines with no instruction to read. */
  unreadable: number[];
}

/**
 * Dataset rows back to records: the instruction, input and response from the row in whatever
 * format it is, id, seed, round, strategy chain and scores from its metadata when it has some.
 */
export function datasetRecords(rows: readonly DatasetRow[], file: string): DatasetRecords {
  const out: DatasetRecords = { evolved: [], seeds: [], withoutMetadata: 0, unreadable: [] };
  for (const r of rows) {
    if (!r.fields) {
      if (r.value !== '') out.unreadable.push(r.line);
      continue;
    }
    const base = seedRecord(r.fields, { file: basename(file), line: r.line, format: r.fields.format });
    const m = r.metadata;
    if (!m) out.withoutMetadata++;
    const round = m ? (typeof m.round === 'number' ? m.round : 0) : 1;
    const id = typeof m?.id === 'string' && m.id !== '' ? m.id : round === 0 ? base.id : `${base.id}.r1`;
    const seedId = typeof m?.seedId === 'string' && m.seedId !== '' ? m.seedId : base.seedId;
    const strategies = Array.isArray(m?.strategies) ? m.strategies.filter((s): s is string => typeof s === 'string') : m ? [] : ['unknown'];
    const lineage = strategies.map((strategy, i) => ({
      id: i === strategies.length - 1 ? id : `${seedId}.r${i + 1}`,
      round: i + 1,
      strategy,
    }));
    const rec: EvolRecord = { ...base, id, seedId, round, parentId: round === 0 ? null : (lineage.at(-2)?.id ?? seedId), lineage };
    const strategy = strategies.at(-1);
    if (round > 0 && strategy !== undefined) rec.strategy = strategy;
    const scores = m?.scores;
    if (scores && typeof scores === 'object') rec.scores = { ...scores };
    if (round === 0 || m?.replay === true) out.seeds.push({ ...rec, round: 0, parentId: null, lineage: [] });
    else out.evolved.push(rec);
  }
  return out;
}
