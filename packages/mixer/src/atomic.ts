// Atomic file writes: the content goes to a temporary file beside the target, is flushed to disk,
// then renamed over the target, so a reader (or a restarted mixer) sees the old file or the new
// one, never half of one. `openAtomicWriter` does the same for a file written piece by piece
// (line by line), holding one buffer in memory whatever the file's size.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Write `data` to `file` atomically (temporary file in the same folder, fsync, rename, fsync folder). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncFolder(dir);
}

/** fsync a folder, so a rename in it is durable. */
function syncFolder(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems do not allow fsync on a folder; the rename is still atomic.
  }
}

/** A file written piece by piece and renamed over its target at the end (see `openAtomicWriter`). */
export interface AtomicWriter {
  /** Append text (as UTF-8) or bytes. They reach the file whenever the buffer (`highWaterMark`) is full. */
  write(data: string | Uint8Array): void;
  /** Bytes written so far. */
  readonly bytes: number;
  /** The sha256 (hex) of everything written, when asked for with `hash: true`; call after the last write. */
  digest(): string;
  /** Flush, fsync and rename the file over its target. */
  commit(): void;
  /** Remove the temporary file; the target is left as it was. */
  abort(): void;
}

export interface AtomicWriterOptions {
  /** Bytes buffered before they are written to the file (default 1 MiB). */
  highWaterMark?: number;
  /** Keep a sha256 of the content as it is written. */
  hash?: boolean;
}

/**
 * Open `file` for a streamed atomic write: text goes through a fixed buffer of `highWaterMark` bytes
 * to a temporary file beside the target, which `commit` renames over it. Memory holds at most one
 * buffer, whatever the file's size. The writes are synchronous, so the mixer's writers keep their
 * order and a plain-function API (a write of one buffer to the page cache takes microseconds).
 */
export function openAtomicWriter(file: string, options: AtomicWriterOptions = {}): AtomicWriter {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}`);
  const size = Math.max(1, options.highWaterMark ?? 1 << 20);
  const buffer = Buffer.allocUnsafe(size);
  const hash = options.hash ? createHash('sha256') : null;
  let fd: number | null = openSync(tmp, 'w');
  let used = 0;
  let bytes = 0;
  const out = (data: Uint8Array) => {
    let off = 0;
    while (off < data.length) off += writeSync(fd as number, data, off, data.length - off);
  };
  const drain = () => {
    if (used > 0) out(buffer.subarray(0, used));
    used = 0;
  };
  const closed = (what: string) => new Error(`${what} after the write of ${file} was committed or aborted`);
  return {
    write(data) {
      if (fd === null) throw closed('write');
      const n = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
      if (typeof data === 'string') hash?.update(data, 'utf8');
      else hash?.update(data);
      bytes += n;
      if (used + n > size) drain();
      if (n > size) out(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      else if (typeof data === 'string') used += buffer.write(data, used, 'utf8');
      else {
        buffer.set(data, used);
        used += n;
      }
    },
    get bytes() {
      return bytes;
    },
    digest() {
      if (!hash) throw new Error(`no hash was asked for when ${file} was opened`);
      return hash.copy().digest('hex');
    },
    commit() {
      if (fd === null) throw closed('commit');
      try {
        drain();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
        fd = null;
      }
      renameSync(tmp, file);
      syncFolder(dir);
    },
    abort() {
      if (fd !== null) closeSync(fd);
      fd = null;
      rmSync(tmp, { force: true });
    },
  };
}
