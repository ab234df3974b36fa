// Test helpers for the Kafka transport: start the shared broker once (scripts/kafka.sh up is
// idempotent), give each test its own topic and group prefix, build records, run kcat, poll.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EvolRecord } from '@evolflow/core';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The broker's port: `KAFKA_PORT` (as for scripts/kafka.sh), else its default. Not EVOLFLOW_*: the config loader reads those as config keys. */
export const kafkaPort = Number(process.env.KAFKA_PORT ?? 19092);

function run(file: string, args: readonly string[], input?: string | Buffer): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Start (or reuse) the broker of `scripts/kafka.sh` and return its bootstrap address. */
export async function kafkaBroker(): Promise<string> {
  const { stdout } = await run('bash', ['scripts/kafka.sh', 'up', '--port', String(kafkaPort)]);
  const address = stdout.trim().split('\n').pop() ?? '';
  if (!/^127\.0\.0\.1:\d+$/.test(address)) throw new Error(`scripts/kafka.sh up printed "${stdout}" instead of a bootstrap address`);
  return address;
}

/** A prefix unique to one test, for topics and consumer groups (`t.<name>.<random>.`). */
export function uniquePrefix(name: string): string {
  return `t.${name}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`;
}

/** Run Debian's kcat (a librdkafka client: not ours) against `brokers`. */
export async function kcat(brokers: string, args: readonly string[], input?: string): Promise<string> {
  const { stdout } = await run('kcat', ['-b', brokers, ...args], input);
  return stdout;
}

/** A minimal valid round-0 record. */
export function seedRecord(n: number, seedId = `s-test-${n}`): EvolRecord {
  return {
    id: seedId,
    seedId,
    parentId: null,
    round: 0,
    instruction: `Instruction number ${n}: explain item ${n}.`,
    lineage: [],
    checks: [],
    usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
  };
}

/** Poll `check` every `intervalMs` (default 100) until it returns true; throws with `what` after `timeoutMs` (default 60 s). */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A logger that stays quiet unless KAFKA_TEST_LOG=1. */
export const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => void (process.env.KAFKA_TEST_LOG ? process.stderr.write(`warn ${m}\n`) : undefined),
  error: (m: string) => void (process.env.KAFKA_TEST_LOG ? process.stderr.write(`error ${m}\n`) : undefined),
};
