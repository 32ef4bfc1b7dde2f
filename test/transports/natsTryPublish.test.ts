/**
 * `tryPublish` of the NATS transports, against the real server: core NATS takes a message synchronously when
 * connected (what a resolved `publish` means there: written to the connection); JetStream only for broadcast
 * topics, since a queue topic waits for its PubAck. A false return takes nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { broadcastTopic, queueTopic } from '../../src/core/topics.js';
import type { Delivery, Transport } from '../../src/core/transport.js';
import { createNatsTransport, type NatsMode } from '../../src/transports/nats/index.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { uniqueName } from '../../harness/natsServer.js';
import { sleep, until } from '../../harness/poll.js';
import { idOf, range } from './conformanceHelpers.js';

const skip = await brokerReachable('nats', NATS_URL);

describe('nats transports: tryPublish', { skip }, () => {
  const open: Transport[] = [];
  const make = async (mode: NatsMode): Promise<Transport> => {
    const t = await createNatsTransport({ url: NATS_URL, mode, logger: () => undefined });
    open.push(t);
    // Connected: the synchronous path needs a live connection.
    await new Promise<void>((resolve) => t.state$.subscribe((s) => s === 'connected' && resolve()));
    return t;
  };
  after(() => Promise.all(open.map((t) => t.close())));

  /** Subscribes and waits until the subscription has reached the server. */
  const receive = async (source: ReturnType<Transport['consume']>): Promise<Delivery[]> => {
    const got: Delivery[] = [];
    source.subscribe((d) => {
      got.push(d);
      d.ack();
    });
    await sleep(200);
    return got;
  };

  it('core: takes messages at once, in order, and they arrive', async () => {
    const t = await make('core');
    const topic = queueTopic(uniqueName('try'));
    const got = await receive(t.consume(topic));
    for (const i of range(1000))
      assert.equal(t.tryPublish?.(topic, { id: i, body: i }), true, `message ${i}`);
    await until(() => got.length === 1000, '1000 deliveries');
    assert.deepEqual(got.map(idOf), range(1000));
  });

  it('core: takes nothing it cannot encode, and publish then says why', async () => {
    const t = await make('core');
    const topic = queueTopic(uniqueName('try'));
    const bad = { id: 1, body: Number.NaN };
    assert.equal(t.tryPublish?.(topic, bad), false);
    await assert.rejects(t.publish(topic, bad), RangeError);
  });

  it('core: takes nothing once closed', async () => {
    const t = await make('core');
    await t.close();
    assert.equal(t.tryPublish?.(queueTopic(uniqueName('try')), { id: 1, body: 1 }), false);
  });

  it('JetStream: broadcast topics only', async () => {
    const t = await make('jetstream');
    const topic = broadcastTopic(uniqueName('trybc'));
    const got = await receive(t.consume(topic));
    assert.equal(t.tryPublish?.(topic, { id: 'b', body: 1 }), true);
    assert.equal(t.tryPublish?.(queueTopic(uniqueName('tryq')), { id: 'q', body: 1 }), false);
    await until(() => got.length === 1, 'the broadcast');
    assert.equal(idOf(got[0] as Delivery), 'b');
  });
});
