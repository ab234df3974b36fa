// The policy: run the validators over the pieces of an instruction (validate stage) or of a
// response whose instruction demands a format (eliminate stage), and sum up with a reason code.
import { EvolflowError, loadValidator, type ValidationIssue, type Validator, type ValidatorContext } from '@evolflow/core';
import { codeValidator } from './code.ts';
import { demandedFormat } from './demand.ts';
import { detectFormat } from './detect.ts';
import { extractPieces, type Piece } from './extract.ts';
import { CODE_FORMATS, normalizeFormat } from './formats.ts';
import { compileSchema, jsonValidator, parseJson } from './json.ts';
import { latexValidator } from './latex.ts';
import { xmlValidator, yamlValidator } from './markup.ts';
import { SQL_DIALECTS, sqlDialectOf, sqlValidator, type SqlDialect } from './sql.ts';
import { tableValidator } from './table.ts';

/** What one validator said about one piece; `error` is placed within the whole text. */
export interface PieceResult {
  piece: Piece;
  ok: boolean;
  format: string;
  /** The reject reason (invalid-json...) when !ok. */
  reason?: string;
  error?: ValidationIssue;
  /** True when no validator checks this piece's format (it is reported, not judged). */
  skipped?: boolean;
}

export interface FormatReport {
  ok: boolean;
  pieces: PieceResult[];
  /** When !ok: the reason code (missing-format, invalid-json, invalid-sql, invalid-code, invalid-table, invalid-yaml, invalid-xml, invalid-latex). */
  reason?: string;
  /** When !ok: the validator's message and position. */
  detail?: string;
}

export interface FormatChecker {
  /**
   * The validate-stage policy: when `expectFormat` is set (what complicate-input asked for), at
   * least one valid piece of that format must exist (else `missing-format`); any invalid piece
   * rejects the text with that validator's reason.
   */
  checkInstruction(text: string, options?: { expectFormat?: string }): Promise<FormatReport>;
  /**
   * The eliminate-stage check: if the instruction demands a response format, validate the
   * response's pieces (or the whole response when it is bare data) in that format; `ok: true`
   * with no pieces when no format is demanded.
   */
  checkResponse(instruction: string, response: string): Promise<FormatReport>;
  validators(): readonly Validator[];
}

/** The built-in validators: JSON, SQL, code, tables, YAML, XML/HTML, LaTeX. */
export async function builtinValidators(): Promise<Validator[]> {
  return [jsonValidator(), sqlValidator(), codeValidator(), tableValidator(), yamlValidator(), xmlValidator(), latexValidator()];
}

const SCHEMA_WORD = /\bschema\b/i;

/** JSON pieces of `text` that are JSON Schemas (the text must speak of a schema). */
function schemaPieces(text: string, pieces: readonly Piece[]): Map<Piece, unknown> {
  const out = new Map<Piece, unknown>();
  if (!SCHEMA_WORD.test(text)) return out;
  for (const p of pieces) {
    if (p.format !== 'json') continue;
    const parsed = parseJson(p.text);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) continue;
    const v = parsed.value as Record<string, unknown>;
    if ('$schema' in v || ('type' in v && ('properties' in v || 'items' in v || 'required' in v))) out.set(p, v);
  }
  return out;
}

function place(piece: Piece, issue: ValidationIssue | undefined): ValidationIssue | undefined {
  if (!issue) return undefined;
  const out: ValidationIssue = { message: issue.message };
  if (issue.line !== undefined) {
    out.line = piece.line + issue.line - 1;
    if (issue.column !== undefined) out.column = issue.line === 1 ? issue.column + (piece.column ?? 1) - 1 : issue.column;
  }
  return out;
}

function describe(r: PieceResult): string {
  const at =
    r.error?.line !== undefined ? ` at line ${r.error.line}${r.error.column !== undefined ? `, column ${r.error.column}` : ''}` : '';
  return `${r.format} piece starting on line ${r.piece.line}${at}: ${r.error?.message ?? 'invalid'}`;
}

function matches(format: string, expect: string): boolean {
  if (format === expect) return true;
  if (expect === 'code') return CODE_FORMATS.includes(format);
  return (expect === 'javascript' || expect === 'typescript') && (format === 'javascript' || format === 'typescript');
}

export interface FormatCheckerOptions {
  /** Extra validator plugins (config `validate.validators`), by name, package or path. */
  extra?: readonly string[];
  cwd?: string;
  /**
   * The SQL dialect of the data (the database it runs on): used for SQL pieces whose fence tag
   * names none (a `sql` fence or untagged SQL), before a dialect named in the instruction.
   */
  sqlDialect?: SqlDialect;
}

/** Built-in validators plus extra plugins named in config (loaded with `loadValidator`). */
export async function createFormatChecker(options: FormatCheckerOptions = {}): Promise<FormatChecker> {
  if (options.sqlDialect !== undefined && !SQL_DIALECTS.includes(options.sqlDialect)) {
    throw new EvolflowError(
      'config',
      `sqlDialect: unknown SQL dialect ${JSON.stringify(options.sqlDialect)}; use one of ${SQL_DIALECTS.join(', ')}`,
    );
  }
  const extra = await Promise.all(
    (options.extra ?? []).map((spec) => loadValidator(spec, options.cwd === undefined ? {} : { cwd: options.cwd })),
  );
  const all: readonly Validator[] = Object.freeze([...extra, ...(await builtinValidators())]);
  const byFormat = new Map<string, Validator>();
  for (const v of all) for (const f of v.formats) if (!byFormat.has(f)) byFormat.set(f, v);

  async function run(piece: Piece, instruction: string, schema: unknown): Promise<PieceResult> {
    const validator = byFormat.get(piece.format);
    if (!validator) return { piece, ok: true, format: piece.format, skipped: true };
    const hints: Record<string, unknown> = { format: piece.format, language: piece.format };
    if (schema !== undefined && piece.format === 'json') hints.schema = schema;
    if (piece.format === 'sql') {
      // A fence tag that names a dialect (```postgresql, ```tsql) wins; a plain ```sql tag names none.
      const dialect = (piece.tag === undefined ? undefined : sqlDialectOf(piece.tag)) ?? options.sqlDialect;
      if (dialect !== undefined) hints.dialect = dialect;
    }
    const ctx: ValidatorContext = { instruction, hints };
    const result = await validator.validate(piece.text, ctx);
    const out: PieceResult = { piece, ok: result.ok, format: result.format };
    if (!result.ok) {
      out.reason = validator.reason;
      const error = place(piece, result.error ?? { message: `${validator.name} rejected the piece` });
      if (error) out.error = error;
    }
    return out;
  }

  /** Validate pieces; JSON Schemas among them are checked as schemas and applied to the other JSON pieces. */
  async function validateAll(pieces: readonly Piece[], instruction: string, schemaSource: readonly Piece[]): Promise<PieceResult[]> {
    const schemas = schemaPieces(instruction, schemaSource);
    const schema = [...schemas.values()].find((s) => typeof compileSchema(s) !== 'string');
    const results: PieceResult[] = [];
    for (const piece of pieces) {
      if (schemas.has(piece)) {
        const compiled = compileSchema(schemas.get(piece));
        results.push(
          typeof compiled === 'string'
            ? {
                piece,
                ok: false,
                format: 'json:schema',
                reason: 'invalid-json',
                error: { message: `the JSON Schema is itself invalid: ${compiled}`, line: piece.line, column: piece.column ?? 1 },
              }
            : { piece, ok: true, format: 'json:schema' },
        );
        continue;
      }
      results.push(await run(piece, instruction, schema));
    }
    return results;
  }

  function summarise(pieces: PieceResult[], expect: string | undefined, what: string): FormatReport {
    const bad = pieces.find((p) => !p.ok);
    if (bad) return { ok: false, pieces, reason: bad.reason ?? 'invalid-format', detail: describe(bad) };
    if (expect !== undefined && !pieces.some((p) => p.ok && !p.skipped && matches(p.piece.format, expect))) {
      const found = pieces.length === 0 ? 'no embedded data' : `only ${[...new Set(pieces.map((p) => p.piece.format))].join(', ')}`;
      return { ok: false, pieces, reason: 'missing-format', detail: `${what} should hold ${expect} data but has ${found}` };
    }
    return { ok: true, pieces };
  }

  return {
    async checkInstruction(text, opts = {}) {
      const expect = opts.expectFormat === undefined || opts.expectFormat === '' ? undefined : normalizeFormat(opts.expectFormat);
      const pieces = extractPieces(text, expect === undefined ? {} : { expect });
      return summarise(await validateAll(pieces, text, pieces), expect, 'the instruction (complicate-input asked for it)');
    },
    async checkResponse(instruction, response) {
      const demanded = demandedFormat(instruction);
      if (demanded === undefined) return { ok: true, pieces: [] };
      let pieces = extractPieces(response, { expect: demanded }).filter((p) => matches(p.format, demanded));
      if (pieces.length === 0 && response.trim() !== '' && matches(detectFormat(response) ?? '', demanded)) {
        const lead = response.slice(0, response.length - response.trimStart().length);
        pieces = [{ format: demanded, text: response.trim(), line: lead.split('\n').length, tagged: false }];
      }
      const instructionPieces = extractPieces(instruction);
      return summarise(await validateAll(pieces, instruction, instructionPieces), demanded, 'the response (the instruction demands it)');
    },
    validators: () => all,
  };
}
