// @evolflow/stage-respond: a fresh response to every evolved instruction.
export { createRespondStage, responderMessages } from './handler.ts';
