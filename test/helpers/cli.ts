// `evolflow` from the clone in a child process, as a user runs it: through tsx, cwd the repo root,
// and no OPENAI_* settings from the developer's environment unless the test passes its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'packages/cli/src/bin.ts');

export interface ChildRun {
  child: ChildProcess;
  /** The exit code once the process and its output streams have closed (-1 when a signal ended it). */
  code: Promise<number>;
  stdout(): string;
  stderr(): string;
  /** Send `signal` (SIGTERM unless named). */
  kill(signal?: NodeJS.Signals): void;
}

/** Start `evolflow <args>`; `env` is merged over the test's environment with OPENAI_API_KEY and OPENAI_BASE_URL emptied. */
export function evolflow(args: readonly string[], env: Record<string, string> = {}): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { child, code, stdout: () => out, stderr: () => err, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

/** Run `evolflow <args>` to its end. */
export async function evolflowDone(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const ran = evolflow(args, env);
  const code = await ran.code;
  return { code, stdout: ran.stdout(), stderr: ran.stderr() };
}
