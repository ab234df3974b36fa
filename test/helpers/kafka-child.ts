// A consumer in its own process, for the kill test: it joins `group` on the `pool` topic, prints
// `got <id>` for every delivery and completes the first `hangAfter` of them; the later ones never
// complete (so they are never committed) until the parent SIGKILLs it.
import { createKafkaTransport } from '@evolflow/transport';

const [brokers, prefix, group, hangAfterText] = process.argv.slice(2);
if (!brokers || !prefix || !group || !hangAfterText) throw new Error('usage: kafka-child.ts <brokers> <prefix> <group> <hangAfter>');
const hangAfter = Number(hangAfterText);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const transport = await createKafkaTransport({ brokers: [brokers], prefix, groupPrefix: prefix, sessionTimeoutMs: 6000, logger: silent });
let seen = 0;
const subscription = await transport.subscribe({
  group,
  topics: ['pool'],
  concurrency: 4,
  handler: async (d) => {
    seen++;
    process.stdout.write(`got ${d.record.id}\n`);
    if (seen > hangAfter) await new Promise(() => undefined); // never completes: never committed
  },
});
await subscription.joined;
process.stdout.write('joined\n');
