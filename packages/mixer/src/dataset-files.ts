// The final dataset files of a finite run: `dataset.jsonl` in the chosen format (optionally with a
// `metadata` field or a line-aligned `metadata.jsonl`), `dataset.parquet` with the same rows, and
// the `dataset_info.json` LLaMA-Factory reads. Every file is written atomically.
import { join } from 'node:path';
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import type { EvolRecord } from '@evolflow/core';
import { writeFileAtomic } from './atomic.ts';
import { datasetInfoEntry, formatLine, metadataOf, toRow, type DatasetFormat } from './formats.ts';

export interface DatasetFilesOptions {
  outDir: string;
  format: DatasetFormat;
  metadata: 'none' | 'field' | 'file';
  parquet: boolean;
  /** The dataset's key in `dataset_info.json`. */
  datasetName: string;
}

export const DATASET_FILE = 'dataset.jsonl';
export const PARQUET_FILE = 'dataset.parquet';
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

/** The rows of `records` as a Parquet file (same columns as the JSONL; metadata as a JSON string column). */
export function parquetBytes(records: readonly EvolRecord[], options: Pick<DatasetFilesOptions, 'format' | 'metadata'>): Uint8Array {
  const rows = records.map((r) => toRow(r, options.format) as unknown as Record<string, unknown>);
  const columns: { name: string; data: unknown[] }[] = [];
  const schema: SchemaElement[] = [{ name: 'root', num_children: 0 }];
  const add = (name: string, elements: SchemaElement[]) => {
    columns.push({ name, data: rows.map((row) => row[name]) });
    schema.push(...elements);
  };
  if (options.format === 'alpaca') {
    for (const name of ['instruction', 'input', 'output']) add(name, [utf8(name)]);
  } else if (options.format === 'sharegpt') {
    add('conversations', turnsSchema('conversations', ['from', 'value']));
  } else {
    add('messages', turnsSchema('messages', ['role', 'content']));
  }
  if (options.metadata !== 'none') {
    columns.push({ name: 'metadata', data: records.map((r) => JSON.stringify(metadataOf(r))) });
    schema.push({ name: 'metadata', type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type: 'REQUIRED' });
  }
  (schema[0] as SchemaElement).num_children = columns.length;
  return new Uint8Array(parquetWriteBuffer({ columnData: columns as never, schema, createdBy: 'evolflow mixer' }));
}

/** The JSONL text of `records` (one line each, newline-terminated; empty for no records). */
export function datasetJsonl(records: readonly EvolRecord[], options: Pick<DatasetFilesOptions, 'format' | 'metadata'>): string {
  return records.map((r) => `${formatLine(r, { format: options.format, metadataField: options.metadata === 'field' })}\n`).join('');
}

/** Write the dataset files; returns the names written, relative to `outDir`. */
export function writeDatasetFiles(records: readonly EvolRecord[], options: DatasetFilesOptions): string[] {
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(join(options.outDir, name), data);
    files.push(name);
  };
  write(DATASET_FILE, datasetJsonl(records, options));
  if (options.metadata === 'file') write(METADATA_FILE, records.map((r) => `${JSON.stringify(metadataOf(r))}\n`).join(''));
  if (options.parquet) write(PARQUET_FILE, parquetBytes(records, options));
  const info: Record<string, unknown> = { [options.datasetName]: datasetInfoEntry(options.format, DATASET_FILE) };
  if (options.parquet) info[`${options.datasetName}_parquet`] = datasetInfoEntry(options.format, PARQUET_FILE);
  write(DATASET_INFO_FILE, `${JSON.stringify(info, null, 2)}\n`);
  return files;
}
