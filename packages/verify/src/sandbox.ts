// The code sandbox: a Python or JavaScript program run in a separate process inside bubblewrap
// (bwrap), never in the pipeline's own process. Each run gets a fresh scratch folder (the only
// place it may write), no network (its own network namespace), its own pid namespace (killed as a
// whole when the run ends), rlimits on CPU time, address space, processes (fork bombs) and file
// size, a wall-time limit, and its output cut to a cap. Run as root, the sandbox first drops to
// the `nobody` user: the kernel exempts uid 0 from RLIMIT_NPROC, so a fork bomb would not be held.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { EvolflowError } from '@evolflow/core';

/** The languages the sandbox runs. */
export type SandboxLanguage = 'python' | 'javascript';

/** Limits of one run. */
export interface SandboxLimits {
  /** Wall time (ms) after which the whole sandbox is killed. */
  timeoutMs: number;
  /** CPU seconds (RLIMIT_CPU). */
  cpuSeconds: number;
  /**
   * Memory in MiB: Python's address space (RLIMIT_AS); Node's heap (--max-old-space-size), with its
   * address space this plus NODE_RESERVE_MB (V8 reserves virtual ranges it does not use: under
   * 768 MiB of address space Node 20 does not start).
   */
  memoryMb: number;
  /** Processes and threads of the sandbox user (RLIMIT_NPROC, in the sandbox's own user namespace). */
  maxProcesses: number;
  /** Bytes kept of stdout and of stderr each; the rest is read and dropped. */
  outputBytes: number;
  /** Largest file the program may write in its scratch folder (RLIMIT_FSIZE), bytes. */
  fileBytes: number;
}

/** What the sandbox needs to start: its tools and interpreters, and the default limits. */
export interface SandboxOptions extends SandboxLimits {
  /** The Python interpreter (a path, or a name looked up on PATH; '' = /usr/bin/python3, /usr/local/bin/python3, then python3 on PATH). */
  python: string;
  /** The Node binary for JavaScript (default: the one running this process). */
  node?: string;
  /** Which languages must work (checked once by `checkSandbox`). */
  languages: readonly SandboxLanguage[];
}

/** One program to run: its files (written into the scratch folder) and which one is the entry. */
export interface SandboxProgram {
  language: SandboxLanguage;
  /** File name -> content; names are plain file names inside the scratch folder. */
  files: Readonly<Record<string, string>>;
  /** The file run (Python: by the interpreter; JavaScript: by node). */
  main: string;
  /** Extra interpreter arguments before the entry (Node: `--require prelude.cjs`). */
  args?: readonly string[];
  /** Limits of this run, over the sandbox's defaults. */
  limits?: Partial<SandboxLimits>;
}

/** How a run ended. */
export interface SandboxResult {
  /** Exit code (null when killed by a signal). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the wall-time limit killed it. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr passed the cap and was cut. */
  truncated: boolean;
  /** Wall time of the run (ms), and CPU time of the sandbox's processes (user + system, ms; 0 when unknown). */
  wallMs: number;
  cpuMs: number;
}

/** A sandbox: runs programs, one process tree per program. */
export interface Sandbox {
  run(program: SandboxProgram): Promise<SandboxResult>;
  /** The resolved tools (for the run's record and error messages). */
  readonly tools: { bwrap: string; python: string; node: string; dropsTo?: string };
}

/** Where the scratch folder appears inside the sandbox (its working folder; under the sandbox's own /tmp, since the read-only root has no room for a new folder). */
export const SANDBOX_DIR = '/tmp/sandbox';

const NOBODY = 65534;

/** `name` on PATH (or itself when it is a path), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** The Python interpreter to use: the configured one, or the system's (a pyenv shim under /root is not reachable by `nobody`). */
function resolvePython(configured: string): string | undefined {
  if (configured !== '') return findExecutable(configured);
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(p)) return p;
  return findExecutable('python3');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The argv that runs `command` in the sandbox with `scratch` as its only writable folder. */
function sandboxArgv(
  tools: Sandbox['tools'],
  { scratch, limits }: { scratch: string; limits: SandboxLimits & { addressMb: number } },
  command: readonly string[],
): string[] {
  const prlimit = [
    'prlimit',
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${limits.addressMb * 1024 * 1024}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.fileBytes}`,
    `--core=0`,
    '--',
  ];
  const bwrap = [
    tools.bwrap,
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    '--bind',
    scratch,
    SANDBOX_DIR,
    '--chdir',
    SANDBOX_DIR,
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/local/bin:/usr/bin:/bin',
    '--setenv',
    'HOME',
    SANDBOX_DIR,
    '--setenv',
    'LANG',
    'C.UTF-8',
    '--setenv',
    'PYTHONDONTWRITEBYTECODE',
    '1',
    '--setenv',
    'PYTHONIOENCODING',
    'utf-8',
    '--setenv',
    'NODE_OPTIONS',
    '',
    '--',
  ];
  // As root: drop to nobody first, so bwrap makes an unprivileged user namespace in which RLIMIT_NPROC holds.
  const drop = tools.dropsTo ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] : [];
  return [...drop, ...bwrap, ...prlimit, ...command];
}

/** Address space (MiB) Node gets over its heap limit, for V8's reserved ranges. */
export const NODE_RESERVE_MB = 1024;

/** Keeps the first `cap` bytes of a stream. */
function capped(cap: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  return {
    push(b: Buffer) {
      if (size >= cap) {
        cut = true;
        return;
      }
      const take = b.subarray(0, cap - size);
      if (take.length < b.length) cut = true;
      chunks.push(take);
      size += take.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    cut: () => cut,
  };
}

/** Kill the sandbox's process group (setpriv/bwrap and, by --die-with-parent and the pid namespace, everything inside). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The file the sandbox's shell writes its children's CPU times to (`times`), inside the scratch folder. */
const TIMES_FILE = '.cpu-times';

/** CPU ms (user + system of the children) from the second line of a POSIX shell's `times` ("0m0.031000s 0m0.008000s"). */
export function parseTimes(text: string): number {
  const line = text.trim().split('\n')[1] ?? '';
  let ms = 0;
  for (const m of line.matchAll(/(\d+)m([\d.]+)s/g)) ms += Number(m[1]) * 60_000 + Number(m[2]) * 1000;
  return Math.round(ms);
}

async function runIn(tools: Sandbox['tools'], defaults: SandboxLimits, program: SandboxProgram): Promise<SandboxResult> {
  const limits: SandboxLimits = { ...defaults, ...program.limits };
  const scratch = await mkdtemp(join(tmpdir(), 'evolflow-sandbox-'));
  try {
    for (const [name, content] of Object.entries(program.files)) {
      if (name.includes('/') || name.startsWith('.'))
        throw new EvolflowError('internal', `sandbox: file name "${name}" must be a plain file name`);
      await writeFile(join(scratch, name), content);
    }
    if (tools.dropsTo) {
      await chown(scratch, NOBODY, NOBODY);
      for (const name of Object.keys(program.files)) await chown(join(scratch, name), NOBODY, NOBODY);
    }
    const command =
      program.language === 'python'
        ? [tools.python, '-B', ...(program.args ?? []), program.main]
        : [tools.node, `--max-old-space-size=${limits.memoryMb}`, ...(program.args ?? []), program.main];
    const addressMb = program.language === 'python' ? limits.memoryMb : limits.memoryMb + NODE_RESERVE_MB;
    // A shell around the program records its CPU time (`times`) and passes its exit status on (128 + n for signal n).
    const argv = sandboxArgv(tools, { scratch, limits: { ...limits, addressMb } }, [
      '/bin/sh',
      '-c',
      `"$@"; s=$?; times > ${TIMES_FILE}; exit $s`,
      'sh',
      ...command,
    ]);
    const started = performance.now();
    const out = capped(limits.outputBytes);
    const err = capped(limits.outputBytes);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, limits.timeoutMs);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (cause) =>
        reject(new EvolflowError('internal', `sandbox: cannot start ${argv[0] ?? '?'}: ${cause.message}`, { cause })),
      );
      child.once('close', (code, sig) => resolve([code, sig]));
    }).finally(() => {
      clearTimeout(timer);
      killGroup(child.pid);
    });
    const wallMs = performance.now() - started;
    const stderr = err.text();
    // bwrap's own failures (it could not set the sandbox up) are the host's problem, never the program's.
    if (!timedOut && exitCode !== 0 && /^bwrap: /m.test(stderr) && !/\n/.test(stderr.trim())) {
      throw new EvolflowError('internal', `sandbox: bubblewrap could not start the sandbox: ${stderr.trim()}`);
    }
    const cpuMs = parseTimes(await readFile(join(scratch, TIMES_FILE), 'utf8').catch(() => ''));
    return { exitCode, signal, timedOut, stdout: out.text(), stderr, truncated: out.cut() || err.cut(), wallMs, cpuMs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The sandbox for `options`, after checking once that it works: bwrap (Debian package
 * `bubblewrap`), prlimit (util-linux) and, as root, setpriv (util-linux) are installed, and each
 * configured language runs a trivial program inside it. Throws a `config` error naming the missing
 * tool or the failing interpreter: code is never run outside the sandbox.
 */
export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  const bwrap = findExecutable('bwrap');
  if (!bwrap) {
    throw new EvolflowError(
      'config',
      'verify: the code sandbox needs bubblewrap ("bwrap" is not on PATH): install it (Debian/Ubuntu: apt-get install bubblewrap), or set verify.code.enabled: false to pass code answers unchecked',
    );
  }
  for (const tool of ['prlimit', ...(isRoot() ? ['setpriv'] : [])]) {
    if (!findExecutable(tool))
      throw new EvolflowError(
        'config',
        `verify: the code sandbox needs "${tool}" (Debian package util-linux), which is not on PATH; install it or set verify.code.enabled: false`,
      );
  }
  const python = resolvePython(options.python) ?? '';
  if (options.languages.includes('python') && python === '') {
    throw new EvolflowError(
      'config',
      `verify: no Python interpreter for the sandbox (verify.code.python = "${options.python}"): install python3 or name one in verify.code.python, or drop python from verify.code.languages`,
    );
  }
  const tools: Sandbox['tools'] = { bwrap, python, node: options.node ?? process.execPath, ...(isRoot() ? { dropsTo: 'nobody' } : {}) };
  const sandbox: Sandbox = { tools, run: (program) => runIn(tools, options, program) };
  const probes: SandboxProgram[] = [];
  if (options.languages.includes('python')) probes.push({ language: 'python', files: { 'probe.py': 'print(6 * 7)\n' }, main: 'probe.py' });
  if (options.languages.includes('javascript'))
    probes.push({ language: 'javascript', files: { 'probe.cjs': 'console.log(6 * 7);\n' }, main: 'probe.cjs' });
  for (const probe of probes) {
    const limits = { timeoutMs: Math.max(options.timeoutMs, 10_000), cpuSeconds: Math.max(options.cpuSeconds, 5) };
    const r = await sandbox.run({ ...probe, limits });
    if (r.exitCode !== 0 || r.stdout.trim() !== '42') {
      const interpreter = probe.language === 'python' ? `Python (${tools.python}, verify.code.python)` : `Node (${tools.node})`;
      const why = r.stderr.trim().split('\n')[0] ?? '';
      throw new EvolflowError(
        'config',
        `verify: ${interpreter} does not run inside the bubblewrap sandbox (exit ${String(r.exitCode ?? r.signal)}${why ? `: ${why}` : ''}); the interpreter must be readable by ${tools.dropsTo ?? 'this user'}, or drop ${probe.language} from verify.code.languages`,
      );
    }
  }
  return sandbox;
}

/** Whether bwrap can be found (for tests and `evolflow verify` to say why code was not run). */
export function bwrapAvailable(): boolean {
  return findExecutable('bwrap') !== undefined && spawnSync('bwrap', ['--version']).status === 0;
}
