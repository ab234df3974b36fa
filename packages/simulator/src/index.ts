// @evolflow/simulator: an OpenAI-compatible HTTP server that evolves, answers and judges by
// strategy-aware rules and injects labelled faults, for tests and offline runs.
export { startSimulator } from './server.ts';
export type { SimulatorOptions, RunningSimulator, SimulatorStats, InjectRule } from './server.ts';
export {
  FAULT_REASON,
  faultReason,
  ALL_FAULTS,
  CONTENT_FAULTS,
  TRANSPORT_FAULTS,
  EVOLVER_FAULTS,
  RESPONDER_FAULTS,
  ANSWER_FAULTS,
} from './faults.ts';
export type { FaultKind, ContentFaultKind, TransportFaultKind, AnswerFaultKind, FaultRecord } from './faults.ts';
export { codingSeeds, mathSeeds, mathSolution, codeAnswer, mathAnswer, CODE_BREAKS } from './tasks.ts';
export type { CodeBreak, CodeLanguage } from './tasks.ts';
export { recognise } from './brain.ts';
export type { Recognised } from './brain.ts';
export { FORMAT_INFO } from './formats.ts';
