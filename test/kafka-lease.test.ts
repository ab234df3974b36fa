// One run per Kafka prefix, against the real broker (scripts/kafka.sh): the lease in <prefix>lease.
// A second holder is refused with a message naming the first; a release frees the prefix at once;
// a holder killed with SIGKILL (no release) is taken over once its heartbeats have lapsed; and a
// second `evolflow run` on a held prefix exits 6 with the holder named.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvolflowError } from '@evolflow/core';
import { createKafkaTransport, type KafkaTransport, type PrefixLease } from '@evolflow/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBroker, quietLogger, uniquePrefix, waitFor } from './helpers/kafka.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/src/bin.ts');
let brokers = '';
const open: KafkaTransport[] = [];

beforeAll(async () => {
  brokers = await kafkaBroker();
});

afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

async function transport(prefix: string): Promise<KafkaTransport> {
  const t = await createKafkaTransport({ brokers: [brokers], prefix, sessionTimeoutMs: 6000, logger: quietLogger });
  open.push(t);
  return t;
}

/** The error `acquireLease` fails with, or null when it took the lease (then released). */
async function refusal(t: KafkaTransport, ttlMs: number): Promise<EvolflowError | null> {
  let lease: PrefixLease;
  try {
    lease = await t.acquireLease({ ttlMs });
  } catch (err) {
    return err as EvolflowError;
  }
  await lease.release();
  return null;
}

describe('Kafka prefix lease', () => {
  it('refuses a second holder, naming the first, until the first releases', async () => {
    const prefix = uniquePrefix('lease');
    const [a, b] = [await transport(prefix), await transport(prefix)];
    const held = await a.acquireLease({ ttlMs: 20_000, command: 'evolflow run --seeds a.jsonl' });
    const err = await refusal(b, 20_000);
    expect(err).toBeInstanceOf(EvolflowError);
    expect(err?.message).toContain(`Kafka prefix "${prefix}" is in use by another run (pid ${process.pid} on `);
    expect(err?.message).toContain(': evolflow run --seeds a.jsonl; its last heartbeat was ');
    expect(err?.message).toMatch(/its lease lapses 20 s after its last heartbeat/);
    expect(err?.details.exitCode).toBe(6);
    // The refused claim is released at once: it does not block the holder's successor.
    await held.release();
    const next = await b.acquireLease({ ttlMs: 20_000 });
    expect(next.tookOverFrom).toBeUndefined();
    await next.release();
  });

  it("lets a crashed holder's successor take over once its heartbeats have lapsed", async () => {
    const prefix = uniquePrefix('lease-crash');
    // The holder: another process that takes the lease (ttl 4 s) and is then killed without a release.
    const script = `
      import { createKafkaTransport } from '@evolflow/transport';
      const t = await createKafkaTransport({ brokers: [${JSON.stringify(brokers)}], prefix: ${JSON.stringify(prefix)}, logger: { debug() {}, info() {}, warn() {}, error() {} } });
      await t.acquireLease({ ttlMs: 4000, command: 'the crashed run' });
      process.stdout.write('held\\n');
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(root, 'packages/cli'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.once('exit', (code) => reject(new Error(`the holder exited with ${code} before taking the lease`)));
    });
    const pid = child.pid ?? 0;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const t = await transport(prefix);
    // Right after the kill its last heartbeat is recent: refused, naming the dead holder.
    const err = await refusal(t, 4000);
    expect(err?.message).toContain(`(pid ${pid} on `);
    expect(err?.message).toContain(': the crashed run;');
    // Then its lease lapses and the next claim takes it over.
    let lease: PrefixLease | undefined;
    await waitFor(
      'the lapsed lease to be taken over',
      async () => {
        lease = await t.acquireLease({ ttlMs: 4000 }).catch(() => undefined);
        return lease !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(lease?.tookOverFrom?.pid).toBe(pid);
    expect(lease?.tookOverFrom?.command).toBe('the crashed run');
    await lease?.release();
  });

  it('a second `evolflow run` on a held prefix exits 6 and names the holder', async () => {
    const prefix = uniquePrefix('lease-cli');
    const holder = await (await transport(prefix)).acquireLease({ ttlMs: 60_000, command: 'evolflow run --follow' });
    const dir = mkdtempSync(join(tmpdir(), 'lease-cli-'));
    const config = join(dir, 'evolflow.yaml');
    writeFileSync(
      config,
      `transport:\n  kind: kafka\n  kafka:\n    brokers: ["${brokers}"]\n    prefix: "${prefix}"\nllm:\n  cache:\n    enabled: false\n`,
    );
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', bin, 'run', '--config', config, '--out', join(dir, 'out'), '--no-progress'],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    await holder.release();
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`evolflow: Kafka prefix "${prefix}" is in use by another run (pid ${process.pid} on `);
    expect(result.stderr).toContain(': evolflow run --follow;');
    expect(result.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack
  });
});
