// Waiting until a transport is drained (every published record consumed and committed), the same
// call for every transport: the in-memory one says when; a distributed one is polled.
import { InMemoryTransport } from './memory.ts';
import type { Transport } from './transport.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once `transport` is drained, or (a distributed transport) when `signal` aborts. */
export async function waitDrained(transport: Transport, signal?: AbortSignal): Promise<void> {
  if (transport instanceof InMemoryTransport) {
    await transport.whenDrained();
    return;
  }
  // Distributed transports: drained twice in a row, 50 ms apart. One check is already sound (a commit
  // is made only after its outputs are acknowledged, and committed offsets are read before end
  // offsets); the second guards against a source that publishes between the two.
  let streak = 0;
  while (streak < 2 && !signal?.aborted) {
    streak = (await transport.isDrained()) ? streak + 1 : 0;
    await sleep(50);
  }
}
