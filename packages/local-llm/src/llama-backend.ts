// The real model as a chat backend: a GGUF run on the CPU by node-llama-cpp (prebuilt binaries, no
// build step), one sequence, requests answered one at a time. The chat template is the model's own
// (read from the GGUF); the same request always gets the same answer (the seed is derived from it).
import { EvolflowError } from '@evolflow/core';
import { BackendError, requestKey, type ChatAnswer, type ChatBackend, type ChatRequest } from './chat-server.ts';

export interface LlamaBackendOptions {
  modelPath: string;
  /** CPU threads for generation (default 1: tests share a small machine). */
  threads?: number;
  /** Context window in tokens (default 4096); a prompt plus max_tokens beyond it is cut to fit. */
  contextSize?: number;
}

export interface LlamaBackend {
  answer: ChatBackend;
  close(): Promise<void>;
}

type History = ({ type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] })[];

function toHistory(request: ChatRequest): History {
  const history: History = request.messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  history.push({ type: 'model', response: [] });
  return history;
}

/** Load the GGUF and return a backend that answers chat requests with it. */
export async function createLlamaBackend(options: LlamaBackendOptions): Promise<LlamaBackend> {
  let lib: typeof import('node-llama-cpp');
  try {
    lib = await import('node-llama-cpp');
  } catch (err) {
    throw new EvolflowError(
      'model',
      `the local model needs the npm package node-llama-cpp (npm install node-llama-cpp@3.22.1): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const contextSize = options.contextSize ?? 4096;
  let llama: import('node-llama-cpp').Llama;
  try {
    llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.error, progressLogs: false });
  } catch (err) {
    throw new EvolflowError(
      'model',
      `node-llama-cpp has no prebuilt binary for this machine (${process.platform}-${process.arch}) and evolflow does not build one: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const model = await llama.loadModel({ modelPath: options.modelPath }).catch((err: unknown) => {
    throw new EvolflowError('model', `cannot load ${options.modelPath}: ${(err as Error).message}`, {
      cause: err,
      details: { path: options.modelPath },
    });
  });
  const context = await model.createContext({ contextSize, sequences: 1, threads: options.threads ?? 1 });
  const sequence = context.getSequence();
  const chat = new lib.LlamaChat({ contextSequence: sequence });
  let queue: Promise<unknown> = Promise.resolve();
  // Grammars for response_format, made once per schema (compiling one costs more than a short answer).
  const grammars = new Map<string, Promise<import('node-llama-cpp').LlamaGrammar>>();
  function grammarFor(format: NonNullable<ChatRequest['responseFormat']>) {
    const key = JSON.stringify(format);
    let grammar = grammars.get(key);
    if (!grammar) {
      const made: Promise<import('node-llama-cpp').LlamaGrammar> = (
        format.type === 'json_object' ? llama.getGrammarFor('json') : llama.createGrammarForJsonSchema(format.schema as never)
      ).catch((err: unknown) => {
        grammars.delete(key);
        throw new BackendError(400, `response_format: the local model cannot follow this schema: ${(err as Error).message}`);
      });
      grammars.set(key, made);
      grammar = made;
    }
    return grammar;
  }

  async function generate(request: ChatRequest): Promise<ChatAnswer> {
    await sequence.clearHistory();
    const before = { input: sequence.tokenMeter.usedInputTokens, output: sequence.tokenMeter.usedOutputTokens };
    const seed = request.seed ?? Number.parseInt(requestKey(request).slice(0, 8), 16);
    // The prompt and the answer must fit the window: the answer's budget is cut to what is left
    // (the template's own tokens estimated generously), and an answer cut there is reported as `length`.
    const promptEstimate = request.messages.reduce((n, m) => n + model.tokenize(m.content).length + 8, 32);
    const room = contextSize - promptEstimate;
    if (room < 1)
      throw new BackendError(
        400,
        `the prompt (about ${promptEstimate} tokens) does not fit the local model's context of ${contextSize} tokens`,
      );
    const grammar = request.responseFormat ? await grammarFor(request.responseFormat) : undefined;
    const result = await chat.generateResponse(toHistory(request) as never, {
      ...(grammar ? { grammar } : {}),
      maxTokens: Math.min(request.maxTokens, room),
      temperature: request.temperature,
      seed,
      ...(request.stop.length > 0 ? { customStopTriggers: request.stop } : {}),
    });
    const reason = result.metadata.stopReason;
    return {
      text: result.response,
      finishReason: reason === 'maxTokens' ? 'length' : 'stop',
      promptTokens: sequence.tokenMeter.usedInputTokens - before.input,
      completionTokens: sequence.tokenMeter.usedOutputTokens - before.output,
    };
  }

  return {
    // One sequence: requests wait their turn, in arrival order.
    answer(request) {
      const run = queue.then(() => generate(request));
      queue = run.catch(() => {});
      return run;
    },
    async close() {
      await queue;
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
