// Offset arithmetic of the Kafka transport, kept pure so it is tested without a broker:
// the contiguous-completion tracker behind commits, and the drained/backlog decisions made from
// committed offsets (per consumer group) and end offsets (per topic partition).

/**
 * Tracks the messages of one fetched batch that complete out of order and says how far the
 * contiguous prefix of completed messages reaches: only that prefix may be committed.
 */
export interface ContiguousTracker {
  /** Mark message `index` done; returns the index of the new end of the completed prefix, or -1 if it did not move. */
  complete(index: number): number;
  /** Messages at the start of the batch that are all done. */
  readonly completedPrefix: number;
}

export function contiguousTracker(size: number): ContiguousTracker {
  const done = new Uint8Array(size);
  let prefix = 0;
  return {
    complete(index) {
      if (index < 0 || index >= size) throw new RangeError(`message index ${index} outside the batch of ${size}`);
      done[index] = 1;
      const before = prefix;
      while (prefix < size && done[prefix] === 1) prefix++;
      return prefix > before ? prefix - 1 : -1;
    },
    get completedPrefix() {
      return prefix;
    },
  };
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

/** The largest lag on `topic` among the groups that consume it (backpressure for sources). */
export function worstLag(
  groups: readonly GroupTopics[],
  topic: string,
  committed: ReadonlyMap<string, CommittedOffsets>,
  ends: EndOffsets,
): number {
  let worst = 0;
  for (const { group, topics } of groups) {
    if (!topics.includes(topic)) continue;
    worst = Math.max(worst, groupLag(committed.get(group), topic, ends));
  }
  return worst;
}
