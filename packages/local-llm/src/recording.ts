// Record and replay of real model exchanges: a recording backend appends every answered request to a
// JSONL file; a replay backend answers from such a file, so fast tests run on a real model's wording
// without the model. A request that was never recorded is an error (404), never a made-up answer.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { BackendError, requestKey, type ChatAnswer, type ChatBackend, type ChatRequest } from './chat-server.ts';

/** One line of a recording. */
export interface RecordedExchange {
  /** `requestKey` of the request: what replay looks answers up by. */
  key: string;
  request: {
    model: string;
    messages: ChatRequest['messages'];
    temperature: number;
    max_tokens: number;
    stop: string[];
    seed?: number;
    response_format?: ChatRequest['responseFormat'];
  };
  answer: { text: string; finish_reason: ChatAnswer['finishReason']; prompt_tokens: number; completion_tokens: number };
}

export function toExchange(request: ChatRequest, answer: ChatAnswer): RecordedExchange {
  return {
    key: requestKey(request),
    request: {
      model: request.model,
      messages: request.messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      stop: request.stop,
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(request.responseFormat ? { response_format: request.responseFormat } : {}),
    },
    answer: {
      text: answer.text,
      finish_reason: answer.finishReason,
      prompt_tokens: answer.promptTokens,
      completion_tokens: answer.completionTokens,
    },
  };
}

/** `backend`, with every answer it gives appended to `file` (one JSON line each). */
export function recordingBackend(backend: ChatBackend, file: string): ChatBackend {
  mkdirSync(dirname(file), { recursive: true });
  return async (request) => {
    const answer = await backend(request);
    appendFileSync(file, `${JSON.stringify(toExchange(request, answer))}\n`);
    return answer;
  };
}

/** Read a recording; a bad line is an error naming the file and line. Later lines win on equal keys. */
export function readRecording(file: string): RecordedExchange[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EvolflowError('input', `cannot read the recording ${file}: ${(err as Error).message}`, { cause: err, details: { file } });
  }
  const out: RecordedExchange[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: RecordedExchange;
    try {
      value = JSON.parse(line) as RecordedExchange;
    } catch (err) {
      throw new EvolflowError('input', `${file}:${i + 1}: not JSON (${(err as Error).message})`, { details: { file, line: i + 1 } });
    }
    if (typeof value?.key !== 'string' || typeof value.answer?.text !== 'string' || !Array.isArray(value.request?.messages)) {
      throw new EvolflowError('input', `${file}:${i + 1}: not a recorded exchange (needs key, request.messages, answer.text)`, {
        details: { file, line: i + 1 },
      });
    }
    out.push(value);
  });
  return out;
}

export interface ReplayBackend {
  answer: ChatBackend;
  /** Requests that had no recorded answer, by key (each answered 404). */
  misses(): string[];
  /** Recorded answers served so far. */
  hits(): number;
}

/** Answers from recorded exchanges, looked up by the request's key. */
export function replayBackend(exchanges: readonly RecordedExchange[]): ReplayBackend {
  const byKey = new Map(exchanges.map((e) => [e.key, e.answer]));
  const missed: string[] = [];
  let served = 0;
  return {
    answer(request) {
      const key = requestKey(request);
      const a = byKey.get(key);
      if (!a) {
        missed.push(key);
        return Promise.reject(
          new BackendError(
            404,
            `no recorded exchange for this request (key ${key}); the prompts or settings changed since the recording: record it again`,
          ),
        );
      }
      served++;
      return Promise.resolve({
        text: a.text,
        finishReason: a.finish_reason,
        promptTokens: a.prompt_tokens,
        completionTokens: a.completion_tokens,
      });
    },
    misses: () => [...missed],
    hits: () => served,
  };
}
