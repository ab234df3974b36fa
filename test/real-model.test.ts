// A real model in the loop: the real seeds for 2 rounds through every stage against SmolLM2-135M-
// Instruct served on 127.0.0.1 by node-llama-cpp (one thread), recording every exchange. Whatever
// the model says, what must hold holds: the counts reconcile, every kept record passed every rule,
// no kept response was cut, every kept evolution carries a clear Not Equal verdict, and something
// was kept (so the invariants are never checked over an empty set).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalLlm, type RunningChatServer } from '@evolflow/local-llm';
import { tempDir } from './helpers/run.ts';
import { readRecording, realModelPath, runRealModel, type RealRunFigures } from './helpers/real-model.ts';
import { checkRealRun } from './helpers/real-model-checks.ts';
import type { RunResult } from './helpers/run.ts';

const dir = tempDir('real-model');
const recording = join(dir, 'exchanges.jsonl');
let server: RunningChatServer;
let result: RunResult;
let figures: RealRunFigures;

beforeAll(async () => {
  server = await startLocalLlm({ modelPath: realModelPath(), threads: 1, record: recording });
  ({ result, figures } = await runRealModel({ baseUrl: server.url, outDir: join(dir, 'out') }));
  // The figures the closing note quotes (kept, rejected by reason, verdicts, tokens per kept record).
  console.log(`real model: ${JSON.stringify(figures)}`);
}, 1_200_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the pipeline against a real model (SmolLM2-135M-Instruct, live)', () => {
  it('answers every request it was sent and records each exchange', () => {
    const exchanges = readRecording(recording);
    expect(server.stats().failures).toBe(0);
    expect(exchanges).toHaveLength(server.stats().completions);
    expect(exchanges.length).toBe(figures.calls);
  });

  it('holds what must hold whatever the model says', () => {
    checkRealRun(result, readRecording(recording));
  });
});
