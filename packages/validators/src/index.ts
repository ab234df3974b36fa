// @evolflow/validators: format validators (JSON, SQL, code, tables, YAML, XML/HTML, LaTeX) as
// validator plugins, the extraction of embedded data, and the validate/eliminate policy.
export { createFormatChecker, builtinValidators } from './checker.ts';
export type { FormatChecker, FormatCheckerOptions, FormatReport, PieceResult } from './checker.ts';
export { extractPieces } from './extract.ts';
export type { Piece, ExtractOptions } from './extract.ts';
export { bracketKind, detectFormat, detectLanguage } from './detect.ts';
export type { BracketKind } from './detect.ts';
export { demandedFormat } from './demand.ts';
export { FORMATS, CODE_FORMATS, normalizeFormat, isKnownFormat } from './formats.ts';
export type { FormatName } from './formats.ts';
export { jsonValidator, parseJson, validateJsonBytes, compileSchema } from './json.ts';
export {
  sqlValidator,
  sqlDialectOf,
  detectSqlDialect,
  parseSql,
  missingStatementKeyword,
  incompleteStatement,
  misspeltKeyword,
  SQL_FALLBACK,
  SQL_DIALECTS,
  SQL_STATEMENT_KEYWORDS,
} from './sql.ts';
export type { SqlDialect } from './sql.ts';
export { codeValidator, checkCode } from './code.ts';
export { checkJavaScript } from './javascript.ts';
export { checkPythonIndentation } from './python-indent.ts';
export { tableValidator, checkMarkdownTable, checkCsv } from './table.ts';
export { yamlValidator, xmlValidator, checkYaml, checkXml, checkHtml } from './markup.ts';
export { latexValidator, checkLatex } from './latex.ts';
