// Seed normalisation: Alpaca, self-instruct, ShareGPT, OpenAI messages, vicuna-style `turns`,
// `prompt`/`question` objects and plain text all become round-0 records. Shared by the seed
// file reader and by the transports, which accept plain seed objects on the `seeds` topic.
import { EvolflowError } from './errors.ts';
import { decodeRecord, parseMessageJson, recordProblems, seedRecordId, zeroUsage, type EvolRecord, type SourceRef } from './record.ts';

/** The fields a seed contributes, and which format it was read as. */
export interface SeedFields {
  instruction: string;
  input?: string;
  response?: string;
  format: 'alpaca' | 'self-instruct' | 'sharegpt' | 'openai' | 'turns' | 'prompt' | 'text' | 'record';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Read the seed fields out of a parsed JSON value or a text line; throws `input` errors saying why not. */
export function seedFields(value: unknown): SeedFields {
  if (typeof value === 'string') return { instruction: value, format: 'text' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EvolflowError('input', `expected a JSON object or a text line, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const v = value as Record<string, unknown>;
  const withOptional = (f: SeedFields, input: unknown, response: unknown): SeedFields => {
    const i = str(input);
    const r = str(response);
    if (i !== undefined && i.trim() !== '') f.input = i;
    if (r !== undefined && r.trim() !== '') f.response = r;
    return f;
  };
  if (typeof v.instruction === 'string') {
    if (Array.isArray(v.instances)) {
      const first = v.instances[0] as Record<string, unknown> | undefined;
      return withOptional({ instruction: v.instruction, format: 'self-instruct' }, first?.input, first?.output);
    }
    return withOptional({ instruction: v.instruction, format: 'alpaca' }, v.input, v.output ?? v.response);
  }
  if (Array.isArray(v.conversations)) {
    const turns = v.conversations as { from?: unknown; value?: unknown }[];
    const human = turns.findIndex((t) => t?.from === 'human' || t?.from === 'user');
    if (human < 0 || typeof turns[human]?.value !== 'string') throw new EvolflowError('input', 'ShareGPT record has no human turn');
    const next = turns[human + 1];
    return withOptional(
      { instruction: turns[human]?.value as string, format: 'sharegpt' },
      undefined,
      next && (next.from === 'gpt' || next.from === 'assistant') ? next.value : undefined,
    );
  }
  if (Array.isArray(v.messages)) {
    const msgs = v.messages as { role?: unknown; content?: unknown }[];
    const user = msgs.findIndex((m) => m?.role === 'user');
    if (user < 0 || typeof msgs[user]?.content !== 'string')
      throw new EvolflowError('input', 'OpenAI messages record has no user message with text content');
    const next = msgs[user + 1];
    return withOptional(
      { instruction: msgs[user]?.content as string, format: 'openai' },
      undefined,
      next?.role === 'assistant' ? next.content : undefined,
    );
  }
  if (Array.isArray(v.turns) && typeof v.turns[0] === 'string') return { instruction: v.turns[0], format: 'turns' };
  const prompt = str(v.prompt) ?? str(v.question);
  if (prompt !== undefined) return withOptional({ instruction: prompt, format: 'prompt' }, undefined, v.output ?? v.answer ?? v.response);
  throw new EvolflowError(
    'input',
    `unknown seed shape (keys: ${Object.keys(v).slice(0, 8).join(', ') || 'none'}); expected Alpaca, self-instruct, ShareGPT, OpenAI messages or plain text`,
  );
}

/** A round-0 record from seed fields. */
export function seedRecord(fields: SeedFields, source: SourceRef): EvolRecord {
  const id = seedRecordId(source.file, source.line, fields.instruction);
  const rec: EvolRecord = {
    id,
    seedId: id,
    parentId: null,
    round: 0,
    instruction: fields.instruction,
    lineage: [],
    checks: [],
    usage: zeroUsage(),
    source: { ...source, format: fields.format },
  };
  if (fields.input !== undefined) rec.input = fields.input;
  if (fields.response !== undefined) rec.response = fields.response;
  return rec;
}

/**
 * Decode a message read from `topic`. On `seeds`, plain seed objects (any supported shape) are
 * accepted as well as full records; everywhere else the value must be a valid record.
 */
export function decodeMessage(topic: string, bytes: Uint8Array | string, where: { partition?: number; offset?: string } = {}): EvolRecord {
  if (topic !== 'seeds' && !topic.endsWith('.seeds')) return decodeRecord(bytes);
  const value = parseMessageJson(bytes);
  if (recordProblems(value).length === 0) return value as EvolRecord;
  let fields: SeedFields;
  try {
    fields = seedFields(value);
  } catch (cause) {
    throw new EvolflowError('schema', `message on seeds is neither a record nor a seed: ${(cause as Error).message}`, { cause });
  }
  return seedRecord(fields, { file: `topic:seeds/${where.partition ?? 0}`, line: Number(where.offset ?? 0), format: fields.format });
}
