// Fault kinds the simulator injects, which role each applies to, and the reason code the pipeline
// must reject each content fault with (so a run can score what its eliminator caught).

export type TransportFaultKind = 'rate-limit' | 'server-error' | 'stall';
/** Broken answers to coding and math tasks the simulator knows (decided by `answerFaultRate`, not `faultRate`). */
export type AnswerFaultKind = 'code-syntax' | 'code-exception' | 'code-failing-test' | 'code-endless-loop' | 'math-wrong';
export type ContentFaultKind =
  'refusal' | 'meta-copy' | 'too-short' | 'stopwords-only' | 'unchanged' | 'no-gain' | 'broken-format' | 'repeat' | AnswerFaultKind;
export type FaultKind = TransportFaultKind | ContentFaultKind;

/** One injected fault: the completion id (content faults) or request id (transport faults) it hit. */
export interface FaultRecord {
  requestId: string;
  kind: FaultKind;
  role: 'evolver' | 'responder' | 'judge';
  strategy?: string;
  format?: string;
  output?: string;
}

export const TRANSPORT_FAULTS: readonly TransportFaultKind[] = ['rate-limit', 'server-error', 'stall'];
export const EVOLVER_FAULTS: readonly ContentFaultKind[] = ['meta-copy', 'unchanged', 'no-gain', 'broken-format', 'repeat'];
export const RESPONDER_FAULTS: readonly ContentFaultKind[] = ['refusal', 'too-short', 'stopwords-only'];
export const ANSWER_FAULTS: readonly AnswerFaultKind[] = [
  'code-syntax',
  'code-exception',
  'code-failing-test',
  'code-endless-loop',
  'math-wrong',
];
export const CONTENT_FAULTS: readonly ContentFaultKind[] = [...EVOLVER_FAULTS, ...RESPONDER_FAULTS, ...ANSWER_FAULTS];
export const ALL_FAULTS: readonly FaultKind[] = [...TRANSPORT_FAULTS, ...CONTENT_FAULTS];

/** The reason code the pipeline must reject each content fault with (broken-format: see `faultReason`). */
export const FAULT_REASON: Record<ContentFaultKind, string> = {
  refusal: 'sorry',
  'meta-copy': 'meta-copy',
  'too-short': 'too-short',
  'stopwords-only': 'stopwords-only',
  unchanged: 'unchanged',
  'no-gain': 'no-information-gain',
  'broken-format': 'invalid-format',
  repeat: 'duplicate',
  'code-syntax': 'code-error',
  'code-exception': 'code-error',
  'code-failing-test': 'code-error',
  'code-endless-loop': 'code-timeout',
  'math-wrong': 'no-consensus',
};

const FORMAT_REASON: Record<string, string> = {
  json: 'invalid-json',
  sql: 'invalid-sql',
  'markdown-table': 'invalid-table',
  csv: 'invalid-table',
  yaml: 'invalid-yaml',
  xml: 'invalid-xml',
  html: 'invalid-xml',
  latex: 'invalid-latex',
};

/** The reason code expected for one recorded fault; broken-format maps by its format. Transport faults have none (''). */
export function faultReason(record: FaultRecord): string {
  if (record.kind === 'broken-format') return FORMAT_REASON[record.format ?? 'json'] ?? 'invalid-code';
  return (FAULT_REASON as Record<string, string>)[record.kind] ?? '';
}
