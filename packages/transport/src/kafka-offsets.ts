// Offset arithmetic of the Kafka transport, kept pure so it is tested without a broker: which
// offset a partition may commit while messages complete out of order, and the drained/backlog
// decisions made from committed offsets (per consumer group) and end offsets (per partition).

/**
 * The offset a partition may commit: the lowest offset still in flight (everything below it is
 * done), or the next offset to start when nothing is in flight. Messages complete out of order;
 * only this contiguous prefix is ever committed, so a crash redelivers what was not finished.
 */
export function committableOffset(next: bigint, inFlight: Iterable<bigint>): bigint {
  let lowest = next;
  for (const offset of inFlight) if (offset < lowest) lowest = offset;
  return lowest;
}

/** A consumer group and the (full Kafka) topic names it consumes. */
export interface GroupTopics {
  group: string;
  topics: readonly string[];
}

/** Committed offsets of one group: topic -> partition -> offset (`-1` when nothing was committed). */
export type CommittedOffsets = ReadonlyMap<string, ReadonlyMap<number, string>>;

/** End offsets of one topic: partition -> { low, high } (high is the next offset to be written). */
export type EndOffsets = ReadonlyMap<number, { low: string; high: string }>;

/** Messages of `topic` not yet committed by `group` (0 when it has consumed everything). */
export function groupLag(committed: CommittedOffsets | undefined, topic: string, ends: EndOffsets): number {
  let lag = 0;
  for (const [partition, { low, high }] of ends) {
    const raw = committed?.get(topic)?.get(partition);
    // A group that never committed on this partition starts from the beginning (fromBeginning).
    const from = raw === undefined || BigInt(raw) < 0n ? BigInt(low) : BigInt(raw);
    const behind = BigInt(high) - from;
    if (behind > 0n) lag += Number(behind);
  }
  return lag;
}

/** True when every group has committed up to the end of every partition of every topic it consumes. */
export function allCaughtUp(
  groups: readonly GroupTopics[],
  committed: ReadonlyMap<string, CommittedOffsets>,
  ends: ReadonlyMap<string, EndOffsets>,
): boolean {
  for (const { group, topics } of groups) {
    for (const topic of topics) {
      const end = ends.get(topic);
      if (!end) return false;
      if (groupLag(committed.get(group), topic, end) > 0) return false;
    }
  }
  return true;
}

/** The largest lag on `topic` (whose end offsets are `ends`) among the groups that consume it (backpressure for sources). */
export function worstLag(
  groups: readonly GroupTopics[],
  committed: ReadonlyMap<string, CommittedOffsets>,
  { topic, ends }: { topic: string; ends: EndOffsets },
): number {
  let worst = 0;
  for (const { group, topics } of groups) {
    if (!topics.includes(topic)) continue;
    worst = Math.max(worst, groupLag(committed.get(group), topic, ends));
  }
  return worst;
}
