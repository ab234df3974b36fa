// @evolflow/stage-respond: a fresh response to every evolved instruction.
export { createRespondStage as create, createRespondStage, responderMessages } from './handler.ts';
