// The one record type that travels on every topic, its JSON Schema, and the ajv check used on
// produce and on consume. Ids are deterministic (see `seedRecordId` / `childRecordId`) so that a
// replay after a crash rewrites the same ids and downstream writes stay idempotent.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EvolflowError } from './errors.ts';
import { hashText } from './text.ts';
import type { StageName } from './manifest.ts';

/** Known reject reason codes. Plugins may add their own strings; these are the built-in ones. */
export type ReasonCode =
  | 'malformed-line'
  | 'empty-instruction'
  | 'not-utf8'
  | 'too-large'
  | 'llm-error'
  | 'unparseable'
  | 'truncated'
  | 'meta-copy'
  | 'refusal'
  | 'not-a-task'
  | 'lost-input'
  | 'unchanged'
  | 'word-budget'
  | 'too-long'
  | 'missing-format'
  | 'invalid-json'
  | 'invalid-sql'
  | 'invalid-code'
  | 'invalid-table'
  | 'invalid-yaml'
  | 'invalid-xml'
  | 'invalid-latex'
  | 'code-error'
  | 'code-timeout'
  | 'no-consensus'
  | 'no-answer'
  | 'no-information-gain'
  | 'no-verdict'
  | 'sorry'
  | 'stopwords-only'
  | 'too-short'
  | 'invalid-response-format'
  | 'duplicate'
  | 'contaminated';

/** One stage's decision about a record. */
export interface Check {
  stage: StageName;
  /** `ok`, or the reason code of a reject. */
  reason: ReasonCode | 'ok' | (string & {});
  /** Human-readable detail: the validator's message, the judge's answer, the position of an error. */
  detail?: string;
  /** Eliminate stage, equality judge: what its answer said (`none`: no clear Equal / Not Equal, even when asked twice). */
  verdict?: 'equal' | 'not-equal' | 'none';
  /** Eliminate stage, equality judge: its raw (last) answer, cut to 300 characters. */
  answer?: string;
  /** Verify stage: what was checked (`python`, `javascript`, `python+javascript`, `math`) or `none` (nothing checkable, or checking off). */
  verified?: string;
}

/** One step of a lineage: which round made which record with which strategy. */
export interface LineageStep {
  id: string;
  round: number;
  strategy: string;
}

/** What a child carries of its parent: enough to check it and to evolve the parent again. */
export interface ParentSnapshot {
  id: string;
  parentId?: string | null;
  round: number;
  instruction: string;
  input?: string;
  response?: string;
  strategy?: string;
  format?: string;
  lineage: LineageStep[];
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  calls: number;
}

/** Where a seed came from. */
export interface SourceRef {
  file: string;
  line: number;
  format: string;
}

export interface EvolRecord {
  /** Unique and deterministic: seeds `s-<hash>`, evolutions `<seedId>.r<round>`. */
  id: string;
  seedId: string;
  parentId: string | null;
  /** 0 for seeds; the evolution round that produced this record otherwise. */
  round: number;
  instruction: string;
  input?: string;
  response?: string;
  /** The strategy that made this record (absent on seeds). */
  strategy?: string;
  /** The chain of strategies and rounds from the seed to this record (the seed itself excluded). */
  lineage: LineageStep[];
  /** The concrete format complicate-input asked for (json, sql, python, markdown-table...). */
  format?: string;
  checks: Check[];
  scores?: { difficulty?: number; estimate?: number; quality?: number };
  dedup?: { nearestId: string | null; similarity: number };
  usage: Usage;
  /** Ids of the LLM completions that shaped this record (for tracing and fault scoring). */
  calls?: string[];
  parent?: ParentSnapshot;
  source?: SourceRef;
  /** Only on `pool`: the round the next evolution of this record belongs to. */
  nextRound?: number;
  /** Only on `rejected`: where and why the record ended. */
  rejection?: { stage: StageName; reason: string; detail?: string };
  /** Only on `curriculum`: which batch this record belongs to. */
  batch?: { index: number; position: number; size: number; replay: boolean; repeated?: boolean };
  /** Free-form extension data (plugins, later stages). */
  meta?: Record<string, unknown>;
}

const lineageStep = {
  type: 'object',
  required: ['id', 'round', 'strategy'],
  properties: { id: { type: 'string' }, round: { type: 'integer', minimum: 0 }, strategy: { type: 'string' } },
  additionalProperties: false,
} as const;

/** The JSON Schema (2020-12) of a record. */
export const recordSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://evolflow.dev/schemas/record.json',
  title: 'evolflow record',
  type: 'object',
  required: ['id', 'seedId', 'parentId', 'round', 'instruction', 'lineage', 'checks', 'usage'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    seedId: { type: 'string', minLength: 1, maxLength: 200 },
    parentId: { type: ['string', 'null'] },
    round: { type: 'integer', minimum: 0, maximum: 1000 },
    instruction: { type: 'string' },
    input: { type: 'string' },
    response: { type: 'string' },
    strategy: { type: 'string' },
    lineage: { type: 'array', items: lineageStep },
    format: { type: 'string' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['stage', 'reason'],
        properties: {
          stage: { type: 'string' },
          reason: { type: 'string' },
          detail: { type: 'string' },
          verdict: { enum: ['equal', 'not-equal', 'none'] },
          answer: { type: 'string', maxLength: 300 },
          verified: { type: 'string' },
        },
        additionalProperties: false,
      },
    },
    scores: {
      type: 'object',
      properties: { difficulty: { type: 'number' }, estimate: { type: 'number' }, quality: { type: 'number' } },
      additionalProperties: false,
    },
    dedup: {
      type: 'object',
      required: ['nearestId', 'similarity'],
      properties: { nearestId: { type: ['string', 'null'] }, similarity: { type: 'number' } },
      additionalProperties: false,
    },
    usage: {
      type: 'object',
      required: ['promptTokens', 'completionTokens', 'calls'],
      properties: {
        promptTokens: { type: 'integer', minimum: 0 },
        completionTokens: { type: 'integer', minimum: 0 },
        calls: { type: 'integer', minimum: 0 },
      },
      additionalProperties: false,
    },
    calls: { type: 'array', items: { type: 'string' } },
    parent: {
      type: 'object',
      required: ['id', 'round', 'instruction', 'lineage'],
      properties: {
        id: { type: 'string' },
        parentId: { type: ['string', 'null'] },
        round: { type: 'integer', minimum: 0 },
        instruction: { type: 'string' },
        input: { type: 'string' },
        response: { type: 'string' },
        strategy: { type: 'string' },
        format: { type: 'string' },
        lineage: { type: 'array', items: lineageStep },
      },
      additionalProperties: false,
    },
    source: {
      type: 'object',
      required: ['file', 'line', 'format'],
      properties: { file: { type: 'string' }, line: { type: 'integer', minimum: 0 }, format: { type: 'string' } },
      additionalProperties: false,
    },
    nextRound: { type: 'integer', minimum: 1 },
    rejection: {
      type: 'object',
      required: ['stage', 'reason'],
      properties: { stage: { type: 'string' }, reason: { type: 'string' }, detail: { type: 'string' } },
      additionalProperties: false,
    },
    batch: {
      type: 'object',
      required: ['index', 'position', 'size', 'replay'],
      properties: {
        index: { type: 'integer', minimum: 0 },
        position: { type: 'integer', minimum: 0 },
        size: { type: 'integer', minimum: 1 },
        replay: { type: 'boolean' },
        repeated: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    meta: { type: 'object' },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile<EvolRecord>(recordSchema);

/** Problems with a value as a record (empty when it is valid). */
export function recordProblems(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(record)'} ${e.message ?? 'is invalid'}`);
}

/** Throws a non-retriable `schema` error naming the record id when `value` is not a valid record. */
export function assertRecord(value: unknown): asserts value is EvolRecord {
  const problems = recordProblems(value);
  if (problems.length > 0) {
    const id = typeof value === 'object' && value !== null && 'id' in value ? String((value as { id: unknown }).id) : '?';
    throw new EvolflowError('schema', `record ${id} is not a valid evolflow record: ${problems.join('; ')}`, {
      details: { id, problems },
    });
  }
}

/** Message bytes (strict UTF-8) as a JSON value, or a `schema` error saying why not. */
export function parseMessageJson(bytes: Uint8Array | string): unknown {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EvolflowError('schema', `message is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Parse message bytes into a record, or throw a `schema` error saying why. */
export function decodeRecord(bytes: Uint8Array | string): EvolRecord {
  const value = parseMessageJson(bytes);
  assertRecord(value);
  return value;
}

/** The id of a seed: stable for the same source position and content. */
export function seedRecordId(source: string, line: number, instruction: string): string {
  return `s-${hashText(`${source}\u0000${line}\u0000${instruction}`, 16)}`;
}

/** The id of the evolution of `seedId` made in `round` (one per lineage and round, by construction). */
export function childRecordId(seedId: string, round: number): string {
  return `${seedId}.r${round}`;
}

/** A snapshot of `record` for its child. */
export function snapshotOf(record: EvolRecord): ParentSnapshot {
  const snap: ParentSnapshot = {
    id: record.id,
    parentId: record.parentId,
    round: record.round,
    instruction: record.instruction,
    lineage: record.lineage,
  };
  if (record.input !== undefined) snap.input = record.input;
  if (record.response !== undefined) snap.response = record.response;
  if (record.strategy !== undefined) snap.strategy = record.strategy;
  if (record.format !== undefined) snap.format = record.format;
  return snap;
}

/**
 * The record to put back on `pool` when an evolution of `child.parent` failed in `child.round`:
 * the parent, to be evolved again in the next round. Undefined when the rounds are used up.
 */
export function requeueParent(child: EvolRecord, maxRounds: number): EvolRecord | undefined {
  const p = child.parent;
  if (!p || child.round >= maxRounds) return undefined;
  const rec: EvolRecord = {
    id: p.id,
    seedId: child.seedId,
    parentId: p.parentId ?? null,
    round: p.round,
    instruction: p.instruction,
    lineage: p.lineage,
    checks: [],
    usage: zeroUsage(),
    nextRound: child.round + 1,
  };
  if (p.input !== undefined) rec.input = p.input;
  if (p.response !== undefined) rec.response = p.response;
  if (p.strategy !== undefined) rec.strategy = p.strategy;
  if (p.format !== undefined) rec.format = p.format;
  return rec;
}

/** Sum two usages. */
export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    promptTokens: a.promptTokens + (b.promptTokens ?? 0),
    completionTokens: a.completionTokens + (b.completionTokens ?? 0),
    calls: a.calls + (b.calls ?? 0),
  };
}

export const zeroUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, calls: 0 });
