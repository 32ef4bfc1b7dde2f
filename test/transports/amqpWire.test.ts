/**
 * What is specific to RabbitMQ, against the real broker: the wire properties the original pika services see, queue
 * clashes with them in both directions, capped broadcast queues, a late broker, and queues deleted under consumers.
 * Raw amqplib plays the pika side.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueTopic, broadcastTopic, deadLetterTopicName, type Topic } from '../../src/core/topics.js';
import type { ConnectionState } from '../../src/core/transport.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { startTcpProxy } from '../../harness/tcpProxy.js';
import { amqpUrlVia, brokerAddress, withRawChannel } from '../../harness/amqpBroker.js';
import { until } from '../../harness/poll.js';
import { amqpScratch } from '../support/amqpTransports.js';
import { ack, idOf, range, settle, untilAttached, within } from './conformanceHelpers.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

const { unique, open, inbox } = amqpScratch('amqp-wire', skip);

/** Declares as pika's `queue_declare(queue=name)` does: plain and non-durable. */
const pikaDeclare = (name: string): Promise<unknown> =>
  withRawChannel((ch) => ch.assertQueue(name, { durable: false, exclusive: false, autoDelete: false }));

describe('amqp transport: wire and interoperability', { skip, timeout: 30_000 }, () => {
  it('publishes what pika expects: JSON body, application/json, persistent, the id as messageId', async () => {
    const { t } = await open();
    const topic = queueTopic(unique('props'));
    await t.publish(topic, { id: 1669147134.196809, body: [1, 2.5] });
    const msg = await withRawChannel((ch) => ch.get(topic.name, { noAck: true }));
    assert.ok(msg, 'the message is in the queue named after the topic, via the default exchange');
    assert.equal(msg.content.toString('utf8'), '{"id":1669147134.196809,"body":[1,2.5]}');
    assert.equal(msg.properties.contentType, 'application/json');
    assert.equal(msg.properties.deliveryMode, 2);
    assert.equal(msg.properties.messageId, '1669147134.196809');
    assert.equal(msg.fields.exchange, '');
    assert.equal(msg.fields.routingKey, topic.name);
    // Our queue is durable, so a pika script declaring it plain afterwards is refused: legacyQueues exists for that.
    await assert.rejects(pikaDeclare(topic.name), /PRECONDITION_FAILED|406/);
  });

  it('uses a queue a pika script declared first, warning once, and reads messages without properties', async () => {
    const name = unique('pikafirst');
    await pikaDeclare(name);
    const body = '{"id": 1669147134.196809, "body": [0.1, 0.2]}';
    await withRawChannel(async (ch) => {
      ch.sendToQueue(name, Buffer.from(body));
      await ch.close();
    });
    const { t, lines } = await open();
    const topic = queueTopic(name);
    const received = inbox(t.consume(topic, { prefetch: 10 }), ack);
    for (const i of range(5)) await t.publish(topic, { id: `ours-${i}`, body: [i] });
    const [first] = await received.waitFor(6);
    assert.equal(first!.data.toString(), body);
    assert.equal(first!.deliveryCount, 1);
    assert.equal(first!.redelivered, false);
    assert.equal(lines.filter((l) => l.includes('exists with other arguments')).length, 1, lines.join('\n'));
  });

  it('with legacyQueues declares plain queues, so a pika script can still declare them', async () => {
    const { t } = await open({ legacyQueues: true });
    const topic = queueTopic(unique('legacy'));
    await t.publish(topic, { id: 'l-1', body: 1 });
    await pikaDeclare(topic.name);
    const received = inbox(t.consume(topic), ack);
    assert.equal(idOf((await received.waitFor(1))[0]!), 'l-1');
  });

  it('dead letters keep the original bytes, with reason and topic in headers, in a durable queue', async () => {
    const { t } = await open();
    const topic = queueTopic(unique('dlq'));
    await t.publishRaw(topic, Buffer.from('{"id": 1, "body": NaN}'), 'raw-1');
    const received = inbox(t.consume(topic), (d) => d.deadLetter('not_json: NaN'));
    await received.waitFor(1);
    await within(Promise.all(received.handled), 'deadLetter()');
    const msg = await withRawChannel((ch) => ch.get(deadLetterTopicName(topic.name), { noAck: true }));
    assert.ok(msg);
    assert.equal(msg.content.toString(), '{"id": 1, "body": NaN}');
    assert.equal(msg.properties.messageId, 'raw-1');
    const headers = msg.properties.headers as Record<string, unknown>;
    assert.equal(headers['x-dead-letter-reason'], 'not_json: NaN');
    assert.equal(headers['x-original-topic'], topic.name);
    await withRawChannel((ch) => ch.assertQueue(deadLetterTopicName(topic.name), { durable: true }));
  });

  it('a slow broadcast subscriber loses its oldest messages and never holds publishers back', async () => {
    const { t } = await open({ broadcastMaxLength: 5 });
    const topic: Topic = broadcastTopic(unique('capped'));
    const slow = inbox(t.consume(topic, { prefetch: 1 }));
    await untilAttached(t, topic, [slow]);
    await within(
      Promise.all(range(50).map((i) => t.publish(topic, { id: i, body: i }))),
      'every publish confirmed',
    );
    await settle();
    for (const d of slow.deliveries) d.ack();
    slow.handler = ack;
    await until(() => slow.ids().includes(49), 'the newest message');
    await settle();
    const ids = slow.ids();
    assert.ok(
      ids.length <= 1 + 1 + 5,
      `at most prefetch + queue cap (+1 in flight), got ${ids.length}: ${ids.join()}`,
    );
    assert.deepEqual(ids.slice(-5), [45, 46, 47, 48, 49], 'the newest are kept');
  });

  it('starts before the broker is reachable, then connects and sends what was published meanwhile', async () => {
    const proxy = await startTcpProxy(brokerAddress());
    try {
      proxy.cut(1000);
      const { t } = await open({ url: amqpUrlVia(proxy.port) });
      const states: ConnectionState[] = [];
      t.state$.subscribe((s) => states.push(s));
      const topic = queueTopic(unique('late'));
      await within(
        t.publish(topic, { id: 'early', body: 1 }),
        'a publish made before the broker was reachable',
      );
      assert.deepEqual(states.slice(0, 2), ['connecting', 'reconnecting']);
      assert.equal(states.at(-1), 'connected');
      await t.close();
    } finally {
      await proxy.close();
    }
  });

  it('settling a delivery whose connection died does nothing, and the broker delivers it again', async () => {
    const proxy = await startTcpProxy(brokerAddress());
    try {
      const { t } = await open({ url: amqpUrlVia(proxy.port) });
      const states: ConnectionState[] = [];
      t.state$.subscribe((s) => states.push(s));
      const topic = queueTopic(unique('deadchannel'));
      const received = inbox(t.consume(topic, { prefetch: 5 }));
      await t.publish(topic, { id: 'held', body: 1 });
      const [held] = await received.waitFor(1);
      proxy.cut(300);
      await until(() => states.includes('reconnecting'), 'the cut to be noticed');
      assert.doesNotThrow(() => held!.ack());
      const [, again] = await received.waitFor(2);
      assert.equal(idOf(again!), 'held');
      assert.equal(again!.redelivered, true);
      again!.ack();
      await t.close();
    } finally {
      await proxy.close();
    }
  });

  it('declares a queue deleted under its consumer again and goes on consuming', async () => {
    const { t, lines } = await open();
    const topic = queueTopic(unique('deleted'));
    const received = inbox(t.consume(topic), ack);
    await untilAttached(t, topic, [received]);
    await withRawChannel((ch) => ch.deleteQueue(topic.name));
    await until(
      () => lines.some((l) => l.includes('cancelled the consumer')),
      'the cancellation to be noticed',
    );
    // Until the consumer has declared the queue again, publishes to it are unroutable: keep publishing.
    const deadline = Date.now() + 10_000;
    for (let k = 0; received.deliveries.length === 0 && Date.now() < deadline; k++) {
      await t.publish(topic, { id: `again-${k}`, body: k });
      await settle(50);
    }
    assert.ok(received.deliveries.length > 0, 'consumption resumed');
  });

  it('ignores a second settlement of one delivery, and the channel goes on', async () => {
    const { t, lines } = await open();
    const topic = queueTopic(unique('twice'));
    const received = inbox(t.consume(topic), (d) => {
      d.ack();
      d.ack();
      d.nack();
    });
    for (const i of range(3)) await t.publish(topic, { id: i, body: i });
    await received.waitFor(3);
    await settle();
    assert.equal(received.deliveries.length, 3, 'no redelivery: the channel did not die');
    assert.ok(lines.some((l) => l.includes('settled twice')));
  });
});
