// The real-model run in seconds: the committed recording of a live run (packages/local-llm/fixtures/
// smollm2-run.jsonl) served back over the OpenAI API, the same pipeline and settings, the same
// checks. Every request the pipeline sends must have been recorded: a miss means the prompts or the
// settings changed since, and the recording must be made again (`npx tsx bench/real-model.ts --record`).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplay } from '@evolflow/local-llm';
import { tempDir, type RunResult } from './helpers/run.ts';
import { REAL_RECORDING, readRecording, runRealModel, type RealRunFigures } from './helpers/real-model.ts';
import { checkRealRun } from './helpers/real-model-checks.ts';

const dir = tempDir('real-replay');
let server: Awaited<ReturnType<typeof startReplay>>;
let result: RunResult;
let figures: RealRunFigures;

beforeAll(async () => {
  server = await startReplay({ file: REAL_RECORDING });
  ({ result, figures } = await runRealModel({ baseUrl: server.url, outDir: join(dir, 'out') }));
}, 300_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the pipeline on a recorded real-model run (SmolLM2-135M-Instruct, replayed)', () => {
  it('sends exactly the requests of the recorded run', () => {
    expect(server.misses()).toEqual([]);
    expect(server.hits()).toBe(figures.calls);
    expect(server.hits()).toBe(readRecording(REAL_RECORDING).length);
  });

  it('holds what must hold whatever the model says', () => {
    checkRealRun(result, readRecording(REAL_RECORDING));
  });

  it('decides as the live run did', () => {
    expect(figures).toEqual(EXPECTED);
  });
});

/** What the live run that made the recording decided (bench/real-model.ts --record prints it). */
const EXPECTED: RealRunFigures = {
  evolutions: 24,
  kept: 3,
  rejected: { 'not-a-task': 9, 'lost-input': 1, 'meta-copy': 5, truncated: 3, unparseable: 2, unchanged: 1 },
  verdicts: { 'not-equal': 3 },
  calls: 32,
  promptTokens: 9817,
  completionTokens: 1858,
  tokensPerKept: 3892,
  dataset: 4,
};
