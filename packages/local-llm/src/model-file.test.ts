import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localModelPath, pullLocalModel } from './model-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-model-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local model file', () => {
  it('lives in the cache under its known name', () => {
    expect(localModelPath('/m')).toBe('/m/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf');
    expect(() => localModelPath('/m', 'gpt-5')).toThrow(/unknown local model "gpt-5"; known: smollm2-135m-instruct/);
  });

  it('never uses a cached file whose checksum differs', async () => {
    const path = localModelPath(dir);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'not a model');
    await expect(pullLocalModel({ modelDir: dir })).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected b179c952.*delete it and pull again/);
  });

  it('says what to do when pip cannot be run', async () => {
    await expect(pullLocalModel({ modelDir: join(dir, 'empty'), python: join(dir, 'no-such-python') })).rejects.toThrow(
      /no-such-python not found \(set EVOLFLOW_PYTHON, or install python3 and pip\)/,
    );
  });
});
