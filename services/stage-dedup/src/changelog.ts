// The dedup stage's changelog: every kept entry goes to the transport's compacted state log before
// the record that kept it is committed, and a starting stage reads it all back, so a restarted
// process decides exactly as the one that crashed would have.
import type { Logger, StateLog } from '@evolflow/core';
import { decodeKeptEntry, encodeKeptEntry, type Deduper, type KeptEntry } from '@evolflow/dedup';

export interface Changelog {
  /** Entries read back at start, and entries the deduper held (from a snapshot) that the log lacked. */
  readonly restored: number;
  readonly appended: number;
  /** Resolves when every entry kept so far is durable in the log (rejects if the last write failed). */
  durable(): Promise<void>;
}

/**
 * Rebuild `deduper` from `log` (after any snapshot it started from), write back what the snapshot had
 * and the log lacked, then append every newly kept entry. Writes made in one event-loop turn share
 * one append.
 */
export async function attachChangelog(deduper: Deduper, log: StateLog, logger: Logger): Promise<Changelog> {
  if (!deduper.onKept || !deduper.restore || !deduper.entries)
    throw new Error('the dedup changelog needs a deduper with onKept, restore and entries');
  const inLog = new Set<string>();
  const entries: KeptEntry[] = [];
  const restored = await log.read((entry) => {
    const kept = decodeKeptEntry(entry.value, entry.where);
    inLog.add(kept.id);
    entries.push(kept);
  });
  await deduper.restore(entries);

  const encode = (e: KeptEntry) => ({ key: e.id, value: encodeKeptEntry(e) });
  const missing = [...deduper.entries()].filter((e) => !inLog.has(e.id));
  if (missing.length > 0) await log.append(missing.map(encode));
  if (restored + missing.length > 0)
    logger.info(`dedup changelog: ${restored} kept entries read back, ${missing.length} from the snapshot written to it`, {
      size: deduper.size(),
    });

  let pending: KeptEntry[] = [];
  let next: Promise<void> | null = null; // the append that will take `pending`
  const writing = new Set<Promise<void>>(); // appends started and not yet settled
  const schedule = (): Promise<void> => {
    next ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const batch = pending;
        pending = [];
        next = null;
        const write = log.append(batch.map(encode)).catch((err: unknown) => {
          pending.unshift(...batch); // written again by the next append: the deduper keeps them already
          throw err;
        });
        writing.add(write);
        write.then(resolve, reject).finally(() => writing.delete(write));
      });
    });
    return next;
  };
  deduper.onKept((entry) => {
    pending.push(entry);
    void schedule().catch(() => undefined); // the handler awaiting durable() sees the failure
  });
  return {
    restored,
    appended: missing.length,
    // Everything kept so far is in `pending` (its append scheduled) or in an append under way.
    durable: async () => {
      await Promise.all([...(pending.length > 0 ? [schedule()] : []), ...(next ? [next] : []), ...writing]);
    },
  };
}
