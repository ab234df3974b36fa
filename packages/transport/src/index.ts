// @evolflow/transport: the Transport interface, the runStage loop, the in-memory transport.
export { deadLetterOf, stateLogsOf } from './transport.ts';
export type { Transport, Delivery, DeadLetter, SubscribeOptions, Subscription } from './transport.ts';
export { InMemoryTransport } from './memory.ts';
export type { InMemoryTransportOptions } from './memory.ts';
export { waitDrained } from './drained.ts';
export { runStage, emptyStats } from './run-stage.ts';
export type { RunStageOptions, RunningStage, StageStats } from './run-stage.ts';
export { createKafkaTransport } from './kafka.ts';
export type { KafkaTransport, KafkaTransportOptions, KafkaSubscription } from './kafka.ts';
export { leaseHolder } from './kafka-lease.ts';
export type { LeaseOptions, LeaseRecord, PrefixLease } from './kafka-lease.ts';
