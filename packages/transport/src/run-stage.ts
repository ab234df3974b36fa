// The one stage loop: consume a stage's topics, call its pure handler, publish what it emits,
// commit. Retries retriable errors with backoff; dead-letters the rest with the original record;
// leaves a record whose work a stop cancelled uncommitted, for a resume.
// Keeps the counts that must reconcile: in = out + rejected + absorbed + dead-lettered + cancelled.
import {
  isCancelled,
  isRetriable,
  PIPELINE,
  type Emit,
  type EvolRecord,
  type Logger,
  type StageHandler,
  type StageName,
  type StageSpec,
  type TopicName,
} from '@evolflow/core';
import { deadLetterOf, type Delivery, type Subscription, type Transport } from './transport.ts';

/** Counts one stage keeps; `in = out + rejected + absorbed + deadLettered + cancelled` once nothing is in flight. */
export interface StageStats {
  stage: StageName;
  in: number;
  /** Input records forwarded downstream. */
  out: number;
  /** Input records rejected (emitted to `rejected`). */
  rejected: number;
  /** Input records kept by the stage without output (dedup registering seeds, the mixer's buffer). */
  absorbed: number;
  deadLettered: number;
  /**
   * Input records whose handler a stop cancelled (it threw a `cancelled` error, e.g. an LLM call
   * cut by the stop): nothing emitted, no reject, no dead letter, and the error is rethrown so the
   * transport does not commit the record; a resume handles it again.
   */
  cancelled: number;
  retries: number;
  inFlight: number;
  /** Records emitted per topic (a record sent to two topics counts in both). */
  emitted: Partial<Record<TopicName, number>>;
  /** Rejects per reason code. */
  reasons: Record<string, number>;
}

export interface RunStageOptions<Ctx> {
  handler: StageHandler<Ctx>;
  ctx: Ctx;
  transport: Transport;
  /** Consumer group prefix (default `evolflow.`). */
  groupPrefix?: string;
  concurrency?: number;
  /** Attempts for a retriable error before the record is dead-lettered (default 5). */
  maxAttempts?: number;
  backoffBaseMs?: number;
  logger?: Logger;
  /** Called after every handled record (metrics, progress). */
  onRecord?(event: {
    stage: StageName;
    record: EvolRecord;
    outcome: 'out' | 'rejected' | 'absorbed' | 'dead-lettered' | 'cancelled';
    emits: readonly { topic: TopicName; record: EvolRecord }[];
  }): void;
}

export interface RunningStage {
  readonly spec: StageSpec;
  readonly stats: StageStats;
  /** Ask the handler for what it still holds (finite runs, once drained) and publish it. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Records a flush publishes at a time. */
const FLUSH_CHUNK = 256;

export function emptyStats(stage: StageName): StageStats {
  return {
    stage,
    in: 0,
    out: 0,
    rejected: 0,
    absorbed: 0,
    deadLettered: 0,
    cancelled: 0,
    retries: 0,
    inFlight: 0,
    emitted: {},
    reasons: {},
  };
}

/** Start a stage on a transport; resolves once it is subscribed. */
export async function runStage<Ctx>(options: RunStageOptions<Ctx>): Promise<RunningStage> {
  const { handler, ctx, transport } = options;
  const spec = PIPELINE.find((s) => s.name === handler.name);
  if (!spec) throw new Error(`no stage "${handler.name}" in the pipeline manifest`);
  const stats = emptyStats(spec.name);
  const maxAttempts = options.maxAttempts ?? 5;
  const baseMs = options.backoffBaseMs ?? 100;

  const publishAll = async (emits: readonly { topic: TopicName; record: EvolRecord }[]) => {
    const byTopic = new Map<TopicName, EvolRecord[]>();
    for (const e of emits) {
      if (!spec.produces.includes(e.topic))
        throw new Error(`stage ${spec.name} may not emit to "${e.topic}" (manifest: ${spec.produces.join(', ')})`);
      let list = byTopic.get(e.topic);
      if (!list) byTopic.set(e.topic, (list = []));
      list.push(e.record);
    }
    // Downstream first, `pool` last: a requeued parent never overtakes its rejected child's record.
    const order = [...byTopic.keys()].sort((a, b) => Number(a === 'pool') - Number(b === 'pool'));
    await Promise.all(order.map((t) => transport.publish(t, byTopic.get(t) as EvolRecord[])));
    for (const e of emits) stats.emitted[e.topic] = (stats.emitted[e.topic] ?? 0) + 1;
  };

  const onDelivery = async (delivery: Delivery): Promise<void> => {
    stats.in++;
    stats.inFlight++;
    const record = delivery.record;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const emits = await handler.handle(record, ctx, delivery.topic);
          await publishAll(emits);
          const rejected = emits.find((e) => e.topic === 'rejected');
          const outcome = rejected ? 'rejected' : emits.some((e) => e.topic !== 'pool') ? 'out' : 'absorbed';
          if (rejected) {
            stats.rejected++;
            const reason = rejected.record.rejection?.reason ?? 'unknown';
            stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
          } else if (outcome === 'out') stats.out++;
          else stats.absorbed++;
          options.onRecord?.({ stage: spec.name, record, outcome, emits });
          return;
        } catch (err) {
          // A stop cancelled the work: not the record's fault, so neither a retry nor a dead letter.
          if (isCancelled(err)) {
            stats.cancelled++;
            options.logger?.debug(`stage ${spec.name}: record ${record.id} left for a resume: ${(err as Error).message}`, {
              recordId: record.id,
            });
            options.onRecord?.({ stage: spec.name, record, outcome: 'cancelled', emits: [] });
            throw err;
          }
          if (isRetriable(err) && attempt < maxAttempts) {
            stats.retries++;
            const delay = Math.min(30_000, baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
            options.logger?.warn(`stage ${spec.name}: retrying record ${record.id} (attempt ${attempt + 1} of ${maxAttempts})`, {
              recordId: record.id,
              error: String(err),
            });
            await sleep(delay);
            continue;
          }
          stats.deadLettered++;
          options.logger?.error(`stage ${spec.name}: record ${record.id} dead-lettered: ${(err as Error).message}`, {
            recordId: record.id,
          });
          await transport.deadLetter(
            deadLetterOf(JSON.stringify(record), err, {
              stage: spec.name,
              topic: delivery.topic,
              partition: delivery.partition,
              offset: delivery.offset,
              key: delivery.key,
            }),
          );
          options.onRecord?.({ stage: spec.name, record, outcome: 'dead-lettered', emits: [] });
          return;
        }
      }
    } finally {
      stats.inFlight--;
    }
  };

  const subscription: Subscription = await transport.subscribe({
    group: `${options.groupPrefix ?? 'evolflow.'}${spec.name}`,
    topics: spec.consumes,
    concurrency: options.concurrency ?? 64,
    handler: onDelivery,
  });

  return {
    spec,
    stats,
    async flush() {
      if (!handler.flush) return 0;
      // Published in chunks, with a turn of the event loop between them, so in-process consumers
      // (the sink) read each chunk before the next is made: a lazy flush is never held whole.
      let chunk: Emit[] = [];
      let n = 0;
      for (const emit of await handler.flush(ctx)) {
        chunk.push(emit);
        if (chunk.length === FLUSH_CHUNK) {
          await publishAll(chunk);
          n += chunk.length;
          chunk = [];
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      await publishAll(chunk);
      return n + chunk.length;
    },
    stop: () => subscription.stop(),
  };
}
