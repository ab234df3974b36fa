import { chmodSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandbox, parseTimes, type Sandbox, type SandboxLanguage } from './sandbox.ts';

/** A file outside the scratch folder that a program must not be able to create (the host's temp folder and this repo). */
const hostTarget = join(tmpdir(), `evolflow-sandbox-escape-${process.pid}`);
const repoTarget = join(process.cwd(), `SANDBOX-ESCAPE-${process.pid}`);
// This file's scratch folders go to a folder of its own, so it can check that none is left (readable by the sandbox user).
const scratchRoot = mkdtempSync(join(tmpdir(), 'verify-sandbox-test-'));
chmodSync(scratchRoot, 0o755);
process.env.TMPDIR = scratchRoot;

const LIMITS = { timeoutMs: 4000, cpuSeconds: 2, memoryMb: 256, maxProcesses: 64, outputBytes: 4096, fileBytes: 65_536 };
// Needs bubblewrap (scripts/test.sh installs it): the sandbox refuses to exist without it.
const sandbox: Sandbox = await createSandbox({ ...LIMITS, python: '', languages: ['python', 'javascript'] });
const run = (language: SandboxLanguage, code: string) =>
  sandbox.run({
    language,
    files: { [language === 'python' ? 'main.py' : 'main.cjs']: code },
    main: language === 'python' ? 'main.py' : 'main.cjs',
  });

describe('the bubblewrap sandbox', () => {
  it('runs a program and returns its output and exit code', async () => {
    const r = await run('python', 'print(6 * 7)\n');
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: '42\n', truncated: false });
    const js = await run('javascript', 'console.log([1, 2, 3].map((x) => x * 2).join(","));\n');
    expect(js).toMatchObject({ exitCode: 0, stdout: '2,4,6\n' });
  });

  it('has no network: a socket connection fails, in Python and in Node', async () => {
    const py = await run(
      'python',
      'import socket\ntry:\n    socket.create_connection(("1.1.1.1", 80), timeout=3)\n    print("connected")\nexcept OSError as e:\n    print("refused", e.errno)\n',
    );
    expect(py.stdout).toMatch(/^refused \d+/);
    const js = await run(
      'javascript',
      'require("net").connect(80, "1.1.1.1").on("connect", () => console.log("connected")).on("error", (e) => console.log("refused", e.code));\n',
    );
    expect(js.stdout).toMatch(/^refused E/);
  });

  it('cannot write outside its scratch folder (its /tmp is its own): no host file is created', async () => {
    const r = await run(
      'python',
      [
        'import os',
        `for p in [${JSON.stringify(hostTarget)}, ${JSON.stringify(repoTarget)}, "/etc/evolflow-escape"]:`,
        '    try:',
        '        open(p, "w").write("x")',
        '        print("wrote", p)',
        '    except OSError as e:',
        '        print("denied", e.errno)',
        'open("inside.txt", "w").write("ok")',
        'print(open("inside.txt").read())',
      ].join('\n'),
    );
    // /tmp inside is the sandbox's own tmpfs: writing there works and never reaches the host's /tmp.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('wrote'))).toEqual([`wrote ${hostTarget}`]);
    expect(r.stdout).toMatch(/ok\n$/);
    expect(existsSync(hostTarget)).toBe(false);
    expect(existsSync(repoTarget)).toBe(false);
    const js = await run(
      'javascript',
      `try { require("fs").writeFileSync(${JSON.stringify(repoTarget)}, "x"); console.log("wrote"); } catch (e) { console.log("denied", e.code); }\n`,
    );
    expect(js.stdout).toMatch(/^denied E/);
    expect(existsSync(repoTarget)).toBe(false);
  });

  it('kills an endless loop (CPU limit or wall time) and leaves nothing behind', async () => {
    const py = await run('python', 'while True:\n    pass\n');
    expect(py.exitCode === 0).toBe(false);
    expect(py.timedOut || py.exitCode === 152 || py.exitCode === 137).toBe(true);
    const js = await run('javascript', 'for (;;) {}\n');
    expect(js.exitCode === 0).toBe(false);
    // a sleeping loop uses no CPU: only the wall time stops it
    const sleeper = await run('python', 'import time\nwhile True:\n    time.sleep(1)\n');
    expect(sleeper.timedOut).toBe(true);
  });

  it('holds a fork bomb to its process limit, and this process lives on', async () => {
    const r = await run(
      'python',
      [
        'import os',
        'ok = failed = 0',
        'for i in range(400):',
        '    try:',
        '        if os.fork() == 0:',
        '            import time; time.sleep(3); os._exit(0)',
        '        ok += 1',
        '    except OSError:',
        '        failed += 1',
        'print(ok, failed)',
      ].join('\n'),
    );
    const [ok, failed] = r.stdout.trim().split(' ').map(Number);
    expect(ok).toBeLessThan(LIMITS.maxProcesses);
    expect(failed).toBeGreaterThan(400 - LIMITS.maxProcesses);
    // the classic bomb: contained by the limit and then killed with its whole pid namespace
    const bomb = await run('python', 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n');
    expect(bomb.exitCode === 0).toBe(false);
    const js = await run(
      'javascript',
      'const { spawn } = require("child_process");\nfor (let i = 0; i < 500; i++) { try { spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"]); } catch {} }\nsetTimeout(() => {}, 60000);\n',
    );
    expect(js.exitCode === 0).toBe(false);
    expect(await run('python', 'print("still fine")')).toMatchObject({ exitCode: 0, stdout: 'still fine\n' });
  });

  it('caps memory: an allocation past verify.code.memoryMb fails inside the program', async () => {
    const r = await run(
      'python',
      'try:\n    x = bytearray(1024 * 1024 * 1024)\n    print("allocated")\nexcept MemoryError:\n    print("MemoryError")\n',
    );
    expect(r.stdout).toBe('MemoryError\n');
    const js = await run('javascript', 'const a = []; for (;;) a.push(new Array(1e6).fill(1));\n');
    expect(js.exitCode === 0).toBe(false);
  });

  it('cuts output at the cap and the files it writes at their limit', async () => {
    const r = await run('python', 'import sys\nsys.stdout.write("x" * 100000)\n');
    expect(r.stdout).toHaveLength(LIMITS.outputBytes);
    expect(r.truncated).toBe(true);
    const big = await run(
      'python',
      'try:\n    open("big.bin", "wb").write(b"0" * 1000000)\n    print("wrote")\nexcept OSError as e:\n    print("limited", e.errno)\n',
    );
    expect(big.stdout).toMatch(/^limited 27/);
  });

  it('removes its scratch folders', () => {
    expect(tmpdir()).toBe(scratchRoot);
    const left = readdirSync(scratchRoot);
    expect(left).toEqual([]);
  });

  it('reads the CPU time a POSIX shell reports', () => {
    expect(parseTimes('0m0.010000s 0m0.000000s\n0m1.250000s 0m0.030000s\n')).toBe(1280);
    expect(parseTimes('')).toBe(0);
  });
});

describe('createSandbox without bubblewrap', () => {
  it('refuses to start, naming bwrap and the package to install', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(createSandbox({ ...LIMITS, python: '/usr/bin/python3', languages: ['python'] })).rejects.toThrow(
        /bubblewrap \("bwrap" is not on PATH\).*apt-get install bubblewrap.*verify\.code\.enabled/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
