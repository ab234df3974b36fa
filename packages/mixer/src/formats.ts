// The SFT output formats the common trainers read: Alpaca, ShareGPT and OpenAI chat (one JSON
// object per line), their published structure as JSON Schemas, the per-record metadata, and the
// `dataset_info.json` entry LLaMA-Factory reads as-is for each format.
import type { EvolRecord } from '@evolflow/core';

/** The dataset formats (`config.run.format`). */
export type DatasetFormat = 'alpaca' | 'sharegpt' | 'openai';

export const DATASET_FORMATS: readonly DatasetFormat[] = Object.freeze(['alpaca', 'sharegpt', 'openai']);

export interface AlpacaRow {
  instruction: string;
  input: string;
  output: string;
}
export interface ShareGptRow {
  conversations: { from: 'human' | 'gpt'; value: string }[];
}
export interface OpenAiRow {
  messages: { role: 'user' | 'assistant'; content: string }[];
}
export type DatasetRow = AlpacaRow | ShareGptRow | OpenAiRow;

/** Where a dataset line came from, for users who want to filter or weight by lineage. */
export interface RecordMetadata {
  id: string;
  seedId: string;
  round: number;
  /** The strategy chain from the seed, in round order. */
  strategies: string[];
  scores: { difficulty?: number; estimate?: number; quality?: number };
  replay: boolean;
  repeated: boolean;
  batch: number;
}

/** The user turn of a chat format: the instruction, then the Alpaca input when there is one. */
export function userTurn(record: Pick<EvolRecord, 'instruction' | 'input'>): string {
  const input = record.input?.trim() ?? '';
  return input === '' ? record.instruction : `${record.instruction}\n\n${input}`;
}

/** One record as a row of `format`. The record must carry a response. */
export function toRow(record: EvolRecord, format: DatasetFormat): DatasetRow {
  const output = record.response ?? '';
  switch (format) {
    case 'alpaca':
      return { instruction: record.instruction, input: record.input ?? '', output };
    case 'sharegpt':
      return {
        conversations: [
          { from: 'human', value: userTurn(record) },
          { from: 'gpt', value: output },
        ],
      };
    case 'openai':
      return {
        messages: [
          { role: 'user', content: userTurn(record) },
          { role: 'assistant', content: output },
        ],
      };
  }
}

/** The metadata of one dataset line. */
export function metadataOf(record: EvolRecord): RecordMetadata {
  return {
    id: record.id,
    seedId: record.seedId,
    round: record.round,
    strategies: record.lineage.map((s) => s.strategy),
    scores: { ...(record.scores ?? {}) },
    replay: record.batch?.replay ?? record.round === 0,
    repeated: record.batch?.repeated ?? false,
    batch: record.batch?.index ?? 0,
  };
}

/** One dataset line (no newline), with the metadata in a `metadata` field when asked. */
export function formatLine(record: EvolRecord, options: { format: DatasetFormat; metadataField?: boolean }): string {
  const row = toRow(record, options.format);
  return JSON.stringify(options.metadataField ? { ...row, metadata: metadataOf(record) } : row);
}

const text = { type: 'string' } as const;

/** A chat format's schema: a list of turns with a role key and a content key, plus its turn rule. */
function chatSchema(o: { list: string; role: string; content: string; roles: string[]; rule: object }): object {
  return {
    type: 'object',
    required: [o.list],
    properties: {
      [o.list]: {
        type: 'array',
        minItems: 2,
        ...o.rule,
        items: {
          type: 'object',
          required: [o.role, o.content],
          properties: { [o.role]: { enum: o.roles }, [o.content]: text },
          additionalProperties: false,
        },
      },
      metadata: { type: 'object' },
    },
    additionalProperties: false,
  };
}

/**
 * The published structure of each format as JSON Schema: Alpaca's `instruction` / `input` /
 * `output` strings (Stanford Alpaca data), ShareGPT's `conversations` of `from` / `value` turns
 * starting with `human` and alternating with `gpt` (as LLaMA-Factory reads them), and OpenAI chat
 * fine-tuning's `messages` of `role` / `content` with at least one assistant message.
 * `metadata` is allowed beside them (LLaMA-Factory ignores unknown columns).
 */
export const formatSchemas: Readonly<Record<DatasetFormat, object>> = Object.freeze({
  alpaca: {
    type: 'object',
    required: ['instruction', 'input', 'output'],
    properties: { instruction: { type: 'string', minLength: 1 }, input: text, output: text, metadata: { type: 'object' } },
    additionalProperties: false,
  },
  sharegpt: chatSchema({
    list: 'conversations',
    role: 'from',
    content: 'value',
    roles: ['human', 'gpt', 'system'],
    rule: {
      prefixItems: [
        { type: 'object', properties: { from: { const: 'human' } } },
        { type: 'object', properties: { from: { const: 'gpt' } } },
      ],
    },
  }),
  openai: chatSchema({
    list: 'messages',
    role: 'role',
    content: 'content',
    roles: ['system', 'user', 'assistant'],
    rule: { contains: { type: 'object', properties: { role: { const: 'assistant' } } } },
  }),
});

/** The `dataset_info.json` entry LLaMA-Factory reads for a file of `format`. */
export function datasetInfoEntry(format: DatasetFormat, fileName: string): Record<string, unknown> {
  switch (format) {
    case 'alpaca':
      return { file_name: fileName, formatting: 'alpaca', columns: { prompt: 'instruction', query: 'input', response: 'output' } };
    case 'sharegpt':
      return {
        file_name: fileName,
        formatting: 'sharegpt',
        columns: { messages: 'conversations' },
        tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' },
      };
    case 'openai':
      return {
        file_name: fileName,
        formatting: 'sharegpt',
        columns: { messages: 'messages' },
        tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
      };
  }
}
