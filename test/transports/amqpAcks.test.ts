/**
 * The RabbitMQ transport sends the acks of one turn together (`basic.ack` with `multiple` where it is safe):
 * against the real broker, an ack must never settle a delivery the service still holds, and no ack may be lost.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { queueTopic } from '../../src/core/topics.js';
import type { Delivery, Transport } from '../../src/core/transport.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { until } from '../../harness/poll.js';
import { envelope, idOf, range, settle } from './conformanceHelpers.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

const options = {
  url: AMQP_URL,
  logger: () => undefined,
  reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  closeTimeoutMs: 5000,
};

describe('amqp transport: batched acks', { skip }, () => {
  const topics: string[] = [];
  const transports: Transport[] = [];
  const open = async (): Promise<Transport> => {
    const t = await createAmqpTransport(options);
    transports.push(t);
    return t;
  };
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await deleteTopics(topics);
  });

  /** Publishes `n` messages (ids 0…n-1), takes them all with one consumer, settles them with `settleAll`, closes. */
  async function consumeAndClose(
    name: string,
    n: number,
    settleAll: (deliveries: Delivery[]) => void,
  ): Promise<void> {
    const topic = queueTopic(name);
    const t = await open();
    for (const i of range(n)) await t.publish(topic, envelope(i));
    const got: Delivery[] = [];
    const sub = t.consume(topic, { prefetch: n }).subscribe((d) => got.push(d));
    await until(() => got.length === n, `${n} deliveries`);
    settleAll(got);
    await settle(300);
    sub.unsubscribe();
    await t.close();
  }

  /** Ids that come back to a fresh consumer within a while (each acked, so they come back once). */
  async function redelivered(name: string): Promise<unknown[]> {
    const t = await open();
    const ids: unknown[] = [];
    const sub = t.consume(queueTopic(name), { prefetch: 50 }).subscribe((d) => {
      ids.push(idOf(d));
      d.ack();
    });
    await settle(1500);
    sub.unsubscribe();
    await t.close();
    return ids.sort((a, b) => Number(a) - Number(b));
  }

  it('an ack never settles earlier deliveries that are still held', { timeout: 30_000 }, async () => {
    const name = `acks.held.${process.pid}.${Date.now()}`;
    topics.push(name);
    // 0 and 4 are held (as the metric join holds a record waiting for its partner); the others are acked in one
    // turn, out of order, so a careless `multiple` would take 0 and 4 with them.
    await consumeAndClose(name, 10, (ds) => {
      for (const i of [9, 1, 2, 3, 5, 8, 7, 6]) (ds[i] as Delivery).ack();
    });
    assert.deepEqual(await redelivered(name), [0, 4]);
  });

  it('acks of a whole window, in order, are all delivered', { timeout: 30_000 }, async () => {
    const name = `acks.window.${process.pid}.${Date.now()}`;
    topics.push(name);
    await consumeAndClose(name, 40, (ds) => {
      for (const d of ds) d.ack();
    });
    assert.deepEqual(await redelivered(name), []);
  });

  it('a consumer with a small prefetch keeps receiving as it acks', { timeout: 30_000 }, async () => {
    const name = `acks.flow.${process.pid}.${Date.now()}`;
    topics.push(name);
    const topic = queueTopic(name);
    const t = await open();
    for (const i of range(200)) await t.publish(topic, envelope(i));
    const ids: unknown[] = [];
    const sub = t.consume(topic, { prefetch: 3 }).subscribe((d) => {
      ids.push(idOf(d));
      d.ack();
    });
    await until(() => ids.length === 200, '200 deliveries through a prefetch of 3');
    sub.unsubscribe();
    await t.close();
    assert.deepEqual(ids, range(200));
    assert.deepEqual(await redelivered(name), []);
  });
});
