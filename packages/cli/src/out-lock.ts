// One run per output folder: `<out>/.evolflow.lock`, created with O_EXCL and holding the owner's
// pid, host and start time. A second run on the same folder is refused, naming the owner; the lock
// of a run that died (its pid gone, same host) is taken over. A takeover is itself guarded by an
// O_EXCL `.evolflow.lock.takeover` file, so two successors of one crashed run cannot both win.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EvolflowError, redactText } from '@evolflow/core';
import { EXIT } from './outcome.ts';

export const LOCK_FILE = '.evolflow.lock';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface OutLock {
  readonly path: string;
  /** The stale owner whose lock was taken over, if any. */
  readonly tookOverFrom: LockOwner | undefined;
  release(): void;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return { pid: value.pid, host: value.host, startedAt: String(value.startedAt ?? ''), command: String(value.command ?? '') };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An unreadable lock file younger than this may be one being written right now. */
const UNREADABLE_GRACE_MS = 5000;

/**
 * A lock is stale when its owner ran on this host and is gone, or when the file is unreadable and
 * old enough not to be one being written.
 */
function stale(owner: LockOwner | undefined, path: string): boolean {
  if (owner === undefined) {
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_GRACE_MS;
    } catch {
      return true;
    }
  }
  return owner.host === hostname() && owner.pid !== process.pid && !alive(owner.pid);
}

/** Create `path` exclusively with `text`; false when it exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

const removeQuietly = (path: string) => {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
};

function locked(outDir: string, owner: LockOwner | undefined): EvolflowError {
  const who = owner
    ? `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}${owner.command ? `: ${owner.command}` : ''}`
    : 'another run';
  return new EvolflowError(
    'input',
    `--out ${outDir} is in use by another evolflow run (${who}); wait for it to finish or choose another --out`,
    {
      details: { outDir, exitCode: EXIT.locked, ...(owner ? { pid: owner.pid } : {}) },
    },
  );
}

/** Take the lock on `outDir` (which must exist), or throw an `input` EvolflowError (exit code 6) naming the owner. */
export function lockOutDir(outDir: string, command = process.argv.slice(1).join(' ')): OutLock {
  const path = join(outDir, LOCK_FILE);
  // The command line may hold a URL with a key (--base-url): the lock file gets it redacted.
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: redactText(command) };
  const text = `${JSON.stringify(me)}\n`;
  let tookOverFrom: LockOwner | undefined;
  if (!createExclusive(path, text)) {
    const owner = readOwner(path);
    if (!stale(owner, path)) throw locked(outDir, owner);
    const guard = `${path}.takeover`;
    if (!createExclusive(guard, text)) {
      // Another successor is taking over; if it died half-way, its guard is stale too.
      const other = readOwner(guard);
      if (!stale(other, guard)) throw locked(outDir, other);
      removeQuietly(guard);
      if (!createExclusive(guard, text)) throw locked(outDir, readOwner(guard));
    }
    try {
      // Under the guard: check again that the lock is still the stale one, then replace it.
      const again = readOwner(path);
      if (again !== undefined && !stale(again, path)) throw locked(outDir, again);
      removeQuietly(path);
      if (!createExclusive(path, text)) throw locked(outDir, readOwner(path));
      tookOverFrom = owner ?? { pid: 0, host: 'unknown', startedAt: '', command: '' };
    } finally {
      removeQuietly(guard);
    }
  }
  let released = false;
  return {
    path,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      // Only remove the lock if it is still ours.
      if (readOwner(path)?.pid === process.pid) removeQuietly(path);
    },
  };
}
