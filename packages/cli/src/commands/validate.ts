// `evolflow validate [--format auto|json|sql|python|...] FILE...`: run the format validators over
// files, stdin, or the records of a JSONL file; one line per piece, exit 1 when any piece fails.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { EvolflowError, type ValidationResult } from '@evolflow/core';
import {
  createFormatChecker,
  FORMATS,
  normalizeFormat,
  validateJsonBytes,
  type FormatChecker,
  type FormatReport,
} from '@evolflow/validators';
import type { Args } from '../command.ts';
import type { VALIDATE_OPTIONS } from './options.ts';

const EXTENSIONS: Readonly<Record<string, string>> = {
  '.json': 'json',
  '.sql': 'sql',
  '.py': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.java': 'java',
  '.c': 'c',
  '.h': 'c',
  '.cpp': 'cpp',
  '.cc': 'cpp',
  '.hpp': 'cpp',
  '.go': 'go',
  '.rs': 'rust',
  '.csv': 'csv',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.xml': 'xml',
  '.html': 'html',
  '.htm': 'html',
  '.tex': 'latex',
};

interface Tally {
  pieces: number;
  failed: number;
}

function readInput(file: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (cause) {
    throw new EvolflowError('input', `validate: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** `where` then the position: "FILE:LINE:COL" for a file, "FILE:N id instruction LINE:COL" for a record. */
function line(
  where: string,
  r: { format: string; ok: boolean; error?: { message: string; line?: number; column?: number } | undefined },
  at?: number,
): string {
  const l = r.error?.line ?? at;
  const sep = where.includes(' ') ? ' ' : ':';
  const pos = l !== undefined ? `${sep}${l}${r.error?.column !== undefined ? `:${r.error.column}` : ''}` : '';
  return r.ok ? `${where}${pos}  ${r.format}  ok` : `${where}${pos}  ${r.format}  error  ${r.error?.message ?? 'invalid'}`;
}

async function wholeText(
  checker: FormatChecker,
  bytes: Buffer,
  { format, dialect }: { format: string; dialect: string | undefined },
): Promise<ValidationResult> {
  if (format === 'json') return validateJsonBytes(bytes);
  const validator = checker.validators().find((v) => v.formats.includes(format));
  if (!validator) throw new EvolflowError('input', `validate: no validator for format "${format}"; use one of auto, ${FORMATS.join(', ')}`);
  const hints: Record<string, unknown> = { format, language: format };
  if (dialect !== undefined) hints.dialect = dialect;
  return validator.validate(bytes.toString('utf8'), { hints });
}

/** The lines of `report` into `to.out`, its pieces and failures counted in `to.tally`. */
function reportLines(to: { out: string[]; tally: Tally }, where: string, report: FormatReport): void {
  const { out, tally } = to;
  for (const p of report.pieces) {
    if (p.skipped) {
      out.push(`${where}${where.includes(' ') ? ' ' : ':'}${p.piece.line}  ${p.format}  skipped (no validator)`);
      continue;
    }
    tally.pieces++;
    if (!p.ok) tally.failed++;
    out.push(line(where, p.ok ? { format: p.format, ok: true } : { format: p.format, ok: false, error: p.error }, p.piece.line));
  }
  if (report.reason === 'missing-format') {
    tally.failed++;
    out.push(`${where}  missing-format  error  ${report.detail ?? ''}`);
  }
}

async function checkJsonl(
  checker: FormatChecker,
  { file, text, responses }: { file: string; text: string; responses: boolean },
  tally: Tally,
): Promise<string[]> {
  const out: string[] = [];
  const to = { out, tally };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '') continue;
    let rec: { id?: unknown; instruction?: unknown; response?: unknown; format?: unknown };
    try {
      rec = JSON.parse(raw) as typeof rec;
    } catch (cause) {
      tally.failed++;
      out.push(`${file}:${i + 1}  jsonl  error  not a JSON record: ${(cause as Error).message}`);
      continue;
    }
    const id = typeof rec.id === 'string' ? ` ${rec.id}` : '';
    if (typeof rec.instruction !== 'string') {
      tally.failed++;
      out.push(`${file}:${i + 1}${id}  jsonl  error  the record has no "instruction" string`);
      continue;
    }
    const expectFormat = typeof rec.format === 'string' ? rec.format : undefined;
    reportLines(
      to,
      `${file}:${i + 1}${id} instruction`,
      await checker.checkInstruction(rec.instruction, expectFormat === undefined ? {} : { expectFormat }),
    );
    if (responses && typeof rec.response === 'string') {
      reportLines(to, `${file}:${i + 1}${id} response`, await checker.checkResponse(rec.instruction, rec.response));
    }
  }
  return out;
}

/** `evolflow validate`: the options are parsed and checked against VALIDATE_OPTIONS already. */
export async function run({ values, positionals }: Args<typeof VALIDATE_OPTIONS>): Promise<number> {
  const files = positionals.length === 0 ? ['-'] : positionals;
  const format = values.format === undefined || values.format === 'auto' ? 'auto' : normalizeFormat(values.format);
  if (format !== 'auto' && !(FORMATS as readonly string[]).includes(format)) {
    throw new EvolflowError('input', `validate: unknown --format "${values.format}"; use auto or one of ${FORMATS.join(', ')}`);
  }
  const checker = await createFormatChecker();
  const tally: Tally = { pieces: 0, failed: 0 };
  for (const file of files) {
    const bytes = readInput(file);
    const name = file === '-' ? '<stdin>' : file;
    let out: string[] = [];
    if (values.jsonl) {
      out = await checkJsonl(checker, { file: name, text: bytes.toString('utf8'), responses: values.responses ?? false }, tally);
    } else {
      const whole = format !== 'auto' ? format : EXTENSIONS[extname(file).toLowerCase()];
      if (whole !== undefined) {
        const r = await wholeText(checker, bytes, { format: whole, dialect: values.dialect });
        tally.pieces++;
        if (!r.ok) tally.failed++;
        out.push(line(name, r));
      } else {
        const expectFormat = values.expect === undefined ? undefined : normalizeFormat(values.expect);
        reportLines(
          { out, tally },
          name,
          await checker.checkInstruction(bytes.toString('utf8'), expectFormat === undefined ? {} : { expectFormat }),
        );
        if (out.length === 0) out.push(`${name}  no embedded data found`);
      }
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  }
  process.stderr.write(`${tally.pieces} piece(s) checked, ${tally.failed} failed\n`);
  return tally.failed === 0 ? 0 : 1;
}
