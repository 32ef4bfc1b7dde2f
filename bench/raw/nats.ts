/**
 * The raw NATS ceilings: a minimal nats.js publisher and consumer.
 * - `--mode jetstream`: a file-backed work-queue stream (as the pipeline's), publishes that wait for their
 *   PubAck (`--window` of them at once), a durable pull consumer with an explicit ack per message.
 * - `--mode core`: plain publishes with a flush (a round trip) every 512, as the pipeline's core publisher, and a
 *   plain subscription; at-most-once, so the consumer reports what arrived.
 *
 *   node bench/raw/nats.js --role consume --mode jetstream --url nats://… --name S --count 300000 --sizes 250,40,50
 */
import { AckPolicy, connect, DiscardPolicy, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { ConsumeCounter, parseRawArgs, payloads, printReport, type RawArgs } from './args.js';
import { nowMs } from '../support/time.js';
import { errorMessage } from '../../src/core/errors.js';

const FLUSH_EVERY = 512;
const DURABLE = 'raw';

async function consume(nc: NatsConnection, a: RawArgs): Promise<void> {
  const counter = new ConsumeCounter(a.count, a.idleMs);
  if (a.mode === 'core') {
    const sub = nc.subscribe(a.name, { callback: () => void counter.got() });
    await nc.flush(); // the server knows the subscription before the publisher starts
    process.stdout.write('ready\n');
    const report = await counter.done();
    sub.unsubscribe();
    printReport(report);
    return;
  }
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: a.name,
    subjects: [a.name],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_msgs: Math.max(1_000_000, a.count),
  });
  await jsm.consumers.add(a.name, {
    durable_name: DURABLE,
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: a.prefetch,
  });
  const consumer = await nc.jetstream().consumers.get(a.name, DURABLE);
  const messages = await consumer.consume({ max_messages: a.prefetch });
  process.stdout.write('ready\n');
  const reading = (async () => {
    for await (const m of messages) {
      m.ack();
      if (counter.got()) break;
    }
  })();
  const report = await counter.done();
  // Breaking out of the loop already stopped the iterator (on an idle finish, this stops it); close() would
  // wait for a pull that never completes.
  messages.stop();
  await reading;
  await jsm.streams.delete(a.name).catch(() => undefined);
  printReport(report);
}

async function publish(nc: NatsConnection, a: RawArgs): Promise<void> {
  const bodies = payloads(a.sizes);
  const startAtMs = nowMs();
  if (a.mode === 'core') {
    for (let i = 0; i < a.count; i++) {
      nc.publish(a.name, bodies[i % bodies.length]);
      if (i % FLUSH_EVERY === FLUSH_EVERY - 1) await nc.flush();
    }
    await nc.flush();
  } else {
    const js = nc.jetstream();
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < a.count; i++) {
      const p: Promise<unknown> = js
        .publish(a.name, bodies[i % bodies.length])
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= a.window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }
  printReport({ role: 'publish', sent: a.count, startAtMs, endAtMs: nowMs() });
}

const args = parseRawArgs(process.argv.slice(2));
const main = async (): Promise<void> => {
  const nc = await connect({ servers: args.url, name: `rx-ml-pipeline-bench-raw-${args.role}` });
  try {
    await (args.role === 'consume' ? consume(nc, args) : publish(nc, args));
  } finally {
    await nc.close();
  }
};
main().catch((e: unknown) => {
  process.stderr.write(`raw nats ${args.role}: ${errorMessage(e)}\n`);
  process.exit(1);
});
