// One call to a running real model or replay: the backend behind the chat server, ready to use.
import { startChatServer, type RunningChatServer } from './chat-server.ts';
import { createLlamaBackend } from './llama-backend.ts';
import { readRecording, recordingBackend, replayBackend, type ReplayBackend } from './recording.ts';

export interface StartLocalLlmOptions {
  /** The GGUF file (see `pullLocalModel`). */
  modelPath: string;
  /** The model name the API reports (default: the file's name). */
  modelName?: string;
  threads?: number;
  contextSize?: number;
  /** Append every exchange to this JSONL file (a recording for `startReplay`). */
  record?: string;
  port?: number;
}

/** The real model served over the OpenAI chat API on 127.0.0.1. */
export async function startLocalLlm(options: StartLocalLlmOptions): Promise<RunningChatServer> {
  const llama = await createLlamaBackend({
    modelPath: options.modelPath,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.contextSize === undefined ? {} : { contextSize: options.contextSize }),
  });
  const backend = options.record ? recordingBackend(llama.answer, options.record) : llama.answer;
  try {
    const server = await startChatServer({
      backend,
      modelName: options.modelName ?? (options.modelPath.split('/').pop() as string),
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    return {
      ...server,
      async close() {
        await server.close();
        await llama.close();
      },
    };
  } catch (err) {
    await llama.close();
    throw err;
  }
}

/** Recorded exchanges served back over the same API; `misses()` lists requests it could not answer. */
export async function startReplay(options: {
  file: string;
  modelName?: string;
  port?: number;
}): Promise<RunningChatServer & Pick<ReplayBackend, 'misses' | 'hits'>> {
  const replay = replayBackend(readRecording(options.file));
  const server = await startChatServer({
    backend: replay.answer,
    modelName: options.modelName ?? 'replay',
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return { ...server, misses: replay.misses, hits: replay.hits };
}
