#!/usr/bin/env node
// evolflow-local-llm: pull the real model, serve it (optionally recording), or serve a recording.
//   pull [--model-dir DIR]                        fetch and check the GGUF (cached)
//   serve [--model FILE.gguf] [--port N] [--threads N] [--record FILE.jsonl]
//   replay FILE.jsonl [--port N]
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_MODEL, localModelPath, pullLocalModel } from './model-file.ts';
import { startLocalLlm, startReplay } from './local.ts';

const USAGE =
  'usage: evolflow-local-llm pull [--model-dir DIR] | serve [--model FILE.gguf] [--port N] [--threads N] [--record FILE.jsonl] | replay FILE.jsonl [--port N]';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'model-dir': { type: 'string' },
        model: { type: 'string' },
        port: { type: 'string' },
        threads: { type: 'string' },
        record: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`evolflow-local-llm: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const modelDir = values['model-dir'] ?? process.env.EVOLFLOW_MODEL_DIR ?? '.evolflow/models';
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${v}"`);
    return n;
  };
  const [command, file] = positionals;
  if (command === 'pull') {
    const { path, fetched } = await pullLocalModel({ modelDir, log: (l) => console.error(l) });
    console.log(`${DEFAULT_LOCAL_MODEL}: ${path} (${fetched ? 'fetched' : 'cached'})`);
    return 0;
  }
  const port = int('port', values.port);
  let server;
  if (command === 'serve') {
    const threads = int('threads', values.threads);
    server = await startLocalLlm({
      modelPath: values.model ?? localModelPath(modelDir),
      ...(threads === undefined ? {} : { threads }),
      ...(values.record ? { record: values.record } : {}),
      ...(port === undefined ? {} : { port }),
    });
  } else if (command === 'replay' && file) {
    server = await startReplay({ file, ...(port === undefined ? {} : { port }) });
  } else {
    console.error(USAGE);
    return 2;
  }
  console.log(`serving the OpenAI chat API at ${server.url} (Ctrl-C stops)`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`evolflow-local-llm: ${(err as Error).message}`);
    process.exit(1);
  },
);
