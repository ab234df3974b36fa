// The final dataset files of a finite run, in the layout the Hugging Face Hub and `load_dataset(DIR)`
// read: the rows under `data/` (`data/jsonl/train-00000-of-00001.jsonl` in the chosen format,
// optionally with a `metadata` field or a line-aligned `metadata.jsonl` beside the run files, and
// `data/parquet/train-00000-of-00001.parquet` with the same rows), run files outside it, and the
// `dataset_info.json` LLaMA-Factory reads. Every file is streamed to disk (line by line, row group
// by row group) and renamed over its target once complete.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileWriter, ParquetWriter, parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import type { EvolRecord } from '@evolflow/core';
import { openAtomicWriter, writeFileAtomic } from './atomic.ts';
import { datasetInfoEntry, formatLine, metadataOf, toRow, type DatasetFormat } from './formats.ts';

export interface DatasetFilesOptions {
  outDir: string;
  format: DatasetFormat;
  metadata: 'none' | 'field' | 'file';
  parquet: boolean;
  /** The dataset's key in `dataset_info.json`. */
  datasetName: string;
}

/** Where the rows live: the only folder the card's `configs:` point at. */
export const DATA_DIR = 'data';
/** The JSONL rows (one train split, one shard, named as the Hub names shards). */
export const DATASET_FILE = `${DATA_DIR}/jsonl/train-00000-of-00001.jsonl`;
/** The same rows as Parquet. */
export const PARQUET_FILE = `${DATA_DIR}/parquet/train-00000-of-00001.parquet`;
export const METADATA_FILE = 'metadata.jsonl';
export const DATASET_INFO_FILE = 'dataset_info.json';

const utf8 = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });

/** A list-of-struct column (`conversations` / `messages`) with two string fields per turn. */
function turnsSchema(name: string, keys: [string, string]): SchemaElement[] {
  return [
    { name, repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'REQUIRED', num_children: 2 },
    utf8(keys[0]),
    utf8(keys[1]),
  ];
}

/**
 * The Parquet schema of the dataset's rows: the same columns as the JSONL, and the metadata as a
 * plain UTF-8 string column holding JSON. Not Parquet's JSON logical type: pyarrow reads that as an
 * Arrow JSON extension type, which `datasets` 4.0 (LLaMA-Factory's pin) cannot load.
 */
function parquetSchema(options: Pick<DatasetFilesOptions, 'format' | 'metadata'>): { names: string[]; schema: SchemaElement[] } {
  const names: string[] = [];
  const schema: SchemaElement[] = [{ name: 'root', num_children: 0 }];
  const add = (name: string, elements: SchemaElement[]) => {
    names.push(name);
    schema.push(...elements);
  };
  if (options.format === 'alpaca') {
    for (const name of ['instruction', 'input', 'output']) add(name, [utf8(name)]);
  } else if (options.format === 'sharegpt') {
    add('conversations', turnsSchema('conversations', ['from', 'value']));
  } else {
    add('messages', turnsSchema('messages', ['role', 'content']));
  }
  if (options.metadata !== 'none') add('metadata', [utf8('metadata')]);
  (schema[0] as SchemaElement).num_children = names.length;
  return { names, schema };
}

/** The column data of `records` for the columns `names`. */
function columnsOf(
  records: readonly EvolRecord[],
  names: readonly string[],
  options: Pick<DatasetFilesOptions, 'format'>,
): { name: string; data: unknown[] }[] {
  const rows = records.map((r) => toRow(r, options.format) as unknown as Record<string, unknown>);
  return names.map((name) => ({
    name,
    data: name === 'metadata' ? records.map((r) => JSON.stringify(metadataOf(r))) : rows.map((row) => row[name]),
  }));
}

/** The rows of `records` as a Parquet file (same columns as the JSONL; metadata as a JSON string column). */
export function parquetBytes(records: readonly EvolRecord[], options: Pick<DatasetFilesOptions, 'format' | 'metadata'>): Uint8Array {
  const { names, schema } = parquetSchema(options);
  return new Uint8Array(
    parquetWriteBuffer({ columnData: columnsOf(records, names, options) as never, schema, createdBy: 'evolflow mixer' }),
  );
}

/** The JSONL text of `records` (one line each, newline-terminated; empty for no records). */
export function datasetJsonl(records: readonly EvolRecord[], options: Pick<DatasetFilesOptions, 'format' | 'metadata'>): string {
  return records.map((r) => `${formatLine(r, { format: options.format, metadataField: options.metadata === 'field' })}\n`).join('');
}

/** Rows per Parquet row group (the writer holds one group's rows at a time). */
export const PARQUET_ROW_GROUP_ROWS = 10_000;

/**
 * Write the dataset files, streaming: every record is formatted and written as it comes from
 * `records` (an array or any iterable, such as a generator reading records back from disk), the JSONL
 * line by line and the Parquet file one row group of `rowGroupRows` at a time, each file renamed over
 * its target once complete. Memory holds one buffer per file and one row group, whatever the size.
 * Returns the names written, relative to `outDir`.
 */
export function writeDatasetFiles(
  records: Iterable<EvolRecord>,
  options: DatasetFilesOptions & { rowGroupRows?: number; highWaterMark?: number },
): string[] {
  const files: string[] = [];
  const at = (name: string) => join(options.outDir, name);
  const writerOptions = options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark };
  const dataset = openAtomicWriter(at(DATASET_FILE), writerOptions);
  const metadata = options.metadata === 'file' ? openAtomicWriter(at(METADATA_FILE), writerOptions) : null;
  const parquetTmp = join(dirname(at(PARQUET_FILE)), `.${basename(PARQUET_FILE)}.tmp-${process.pid}`);
  if (options.parquet) mkdirSync(dirname(parquetTmp), { recursive: true });
  const { names, schema } = parquetSchema(options);
  const parquet = options.parquet ? new ParquetWriter({ writer: fileWriter(parquetTmp), schema, createdBy: 'evolflow mixer' }) : null;
  const groupRows = Math.max(1, options.rowGroupRows ?? PARQUET_ROW_GROUP_ROWS);
  let group: EvolRecord[] = [];
  const writeGroup = () => {
    if (group.length > 0) void parquet?.write({ columnData: columnsOf(group, names, options) as never, rowGroupSize: group.length });
    group = [];
  };
  try {
    for (const r of records) {
      dataset.write(`${formatLine(r, { format: options.format, metadataField: options.metadata === 'field' })}\n`);
      metadata?.write(`${JSON.stringify(metadataOf(r))}\n`);
      if (parquet) {
        group.push(r);
        if (group.length >= groupRows) writeGroup();
      }
    }
    writeGroup();
  } catch (err) {
    dataset.abort();
    metadata?.abort();
    rmSync(parquetTmp, { force: true });
    throw err;
  }
  dataset.commit();
  files.push(DATASET_FILE);
  if (metadata) {
    metadata.commit();
    files.push(METADATA_FILE);
  }
  if (parquet) {
    void parquet.finish();
    renameSync(parquetTmp, at(PARQUET_FILE));
    files.push(PARQUET_FILE);
  }
  const info: Record<string, unknown> = { [options.datasetName]: datasetInfoEntry(options.format, DATASET_FILE) };
  if (options.parquet) info[`${options.datasetName}_parquet`] = datasetInfoEntry(options.format, PARQUET_FILE);
  writeFileAtomic(at(DATASET_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
  files.push(DATASET_INFO_FILE);
  return files;
}
