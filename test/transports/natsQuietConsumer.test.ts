/**
 * mendQuietConsumer against a real nats-server: what it asks about a quiet consumer and what it deletes. A
 * stranded consumer (owing nothing while its work-queue stream stores messages of its subject) cannot be made on
 * demand, so it is stood in for by asking about a subject the consumer does not read: to the check, messages of
 * that subject are stored and owed by no one.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AckPolicy, connect, RetentionPolicy, type NatsConnection } from 'nats';
import { mendQuietConsumer } from '../../src/transports/nats/quietConsumer.js';
import { JetStreamTopology } from '../../src/transports/nats/topology.js';
import { resolveNatsOptions } from '../../src/transports/nats/options.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { uniqueName } from '../../harness/natsServer.js';

const skip = await brokerReachable('nats', NATS_URL);
const logs: string[] = [];
const streams: string[] = [];
const timing = { quietMs: 10_000, stalledMs: 35_000 };

/** A stream on `<name>.a` and `<name>.b`, three messages on `.a`, a durable reading `.b` only. */
async function rig(nc: NatsConnection, retention: RetentionPolicy): Promise<{ stream: string; a: string }> {
  const stream = uniqueName('TQC');
  streams.push(stream);
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream}.a`, `${stream}.b`], retention });
  for (let i = 0; i < 3; i++) await nc.jetstream().publish(`${stream}.a`, new Uint8Array([i]));
  await jsm.consumers.add(stream, {
    durable_name: 'c',
    ack_policy: AckPolicy.Explicit,
    filter_subject: `${stream}.b`,
  });
  return { stream, a: `${stream}.a` };
}

async function withNats<T>(use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: NATS_URL });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

const topology = (): JetStreamTopology =>
  new JetStreamTopology(resolveNatsOptions({ url: NATS_URL }), (level, m) => logs.push(`${level}: ${m}`));

after(async () => {
  if (skip) return;
  await withNats(async (nc) => {
    const jsm = await nc.jetstreamManager();
    for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  });
});

describe('mendQuietConsumer', { skip }, () => {
  it('deletes a consumer that owes nothing while its work-queue stream keeps messages of its subject', async () => {
    await withNats(async (nc) => {
      const { stream, a } = await rig(nc, RetentionPolicy.Workqueue);
      assert.equal(
        await mendQuietConsumer(nc, topology(), stream, 'c', a, timing, (level, m) =>
          logs.push(`${level}: ${m}`),
        ),
        true,
      );
      const jsm = await nc.jetstreamManager();
      await assert.rejects(jsm.consumers.info(stream, 'c'), /consumer not found/);
      assert.ok(
        logs.some((l) => l.includes(`consumer c of stream ${stream}`) && l.includes('keeps 3 message(s)')),
      );
    });
  });

  it('leaves alone a consumer whose stream keeps what was acknowledged (limits), and one with nothing stored', async () => {
    await withNats(async (nc) => {
      const limits = await rig(nc, RetentionPolicy.Limits);
      assert.equal(
        await mendQuietConsumer(nc, topology(), limits.stream, 'c', limits.a, timing, () => {}),
        false,
      );
      const empty = await rig(nc, RetentionPolicy.Workqueue);
      const b = `${empty.stream}.b`;
      assert.equal(await mendQuietConsumer(nc, topology(), empty.stream, 'c', b, timing, () => {}), false);
      const jsm = await nc.jetstreamManager();
      assert.equal((await jsm.consumers.info(limits.stream, 'c')).name, 'c');
      assert.equal((await jsm.consumers.info(empty.stream, 'c')).name, 'c');
    });
  });

  it('waits on a consumer that owes messages until it has been quiet for the stall period', async () => {
    await withNats(async (nc) => {
      const { stream } = await rig(nc, RetentionPolicy.Workqueue);
      const b = `${stream}.b`;
      await nc.jetstream().publish(b, new Uint8Array([9]));
      assert.equal(await mendQuietConsumer(nc, topology(), stream, 'c', b, timing, () => {}), false);
      const stalled = { quietMs: 40_000, stalledMs: 35_000 };
      assert.equal(await mendQuietConsumer(nc, topology(), stream, 'c', b, stalled, () => {}), true);
    });
  });
});
