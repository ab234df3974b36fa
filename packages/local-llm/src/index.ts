// @evolflow/local-llm: a small real instruct model served over the OpenAI chat API on 127.0.0.1, and
// record and replay of its exchanges for fast tests on real wording.
export { startLocalLlm, startReplay } from './local.ts';
export type { StartLocalLlmOptions } from './local.ts';
export { startChatServer, requestKey, BackendError } from './chat-server.ts';
export type { ChatRequest, ChatAnswer, ChatBackend, ChatTurn, RunningChatServer, ChatServerOptions } from './chat-server.ts';
export { createLlamaBackend } from './llama-backend.ts';
export type { LlamaBackend, LlamaBackendOptions } from './llama-backend.ts';
export { readRecording, recordingBackend, replayBackend, toExchange } from './recording.ts';
export type { RecordedExchange, ReplayBackend } from './recording.ts';
export { pullLocalModel, localModelPath, KNOWN_LOCAL_MODELS, DEFAULT_LOCAL_MODEL, fileSha256 } from './model-file.ts';
export type { KnownLocalModel, PullLocalModelOptions } from './model-file.ts';
