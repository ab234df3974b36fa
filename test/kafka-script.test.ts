// scripts/kafka.sh on a port of its own (the shared test broker is left alone): `up` prints only
// the bootstrap address and is idempotent, `status` exits 0/3, `down` stops the broker by pid and
// removes its data dir, and a second `up` formats a fresh log dir.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kcat } from './helpers/kafka.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = 39092;
const runDir = join(root, '.cache/kafka', `run-${port}`);

function script(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['scripts/kafka.sh', ...args, '--port', String(port)], { cwd: root, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

afterAll(async () => {
  await script('down');
});

describe('scripts/kafka.sh', () => {
  it('starts, reports, is idempotent, and stops by pid leaving no data behind', async () => {
    await script('down');
    expect((await script('status')).code).toBe(3);

    const up = await script('up');
    expect(up.code).toBe(0);
    expect(up.stdout).toBe(`127.0.0.1:${port}\n`);
    expect(up.stderr).toMatch(/ready after \d+s/);
    const pid = Number(readFileSync(join(runDir, 'broker.pid'), 'utf8'));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('kafka.Kafka');
    expect(readFileSync(join(runDir, 'broker.log'), 'utf8')).toContain('Kafka Server started');
    expect(await kcat(`127.0.0.1:${port}`, ['-L'])).toMatch(/1 brokers:/);

    const again = await script('up');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`127.0.0.1:${port}\n`);
    expect(again.stderr).toMatch(/already running \(pid \d+\)/);
    expect(Number(readFileSync(join(runDir, 'broker.pid'), 'utf8'))).toBe(pid);

    const status = await script('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toBe(`127.0.0.1:${port}\n`);

    const down = await script('down');
    expect(down.code).toBe(0);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(join(runDir, 'data'))).toBe(false);
    expect((await script('status')).code).toBe(3);
  });

  it('refuses a port held by another process, naming the way out', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const up = await script('up');
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(new RegExp(`port ${port} is taken by another process; pick another with --port P`));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
