/**
 * Quorum queues on the real broker: the conformance suite again with `queueType: 'quorum'`, then what is specific
 * to them: the declared type, the broker's delivery limit ending in the topic's dead-letter queue with a reason,
 * and an existing classic queue adopted with a warning. Raw amqplib checks what the broker holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterTopicName, queueTopic } from '../../src/core/topics.js';
import { reasonCode } from '../../src/core/deadLetters.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import {
  deadLetterQueueDeclaration,
  QUORUM_DELIVERY_LIMIT,
  workQueueDeclaration,
} from '../../src/transports/amqp/topology.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { amqpUrlVia, brokerAddress, withRawChannel } from '../../harness/amqpBroker.js';
import { amqpScratch, amqpTestOptions, AMQP_FEATURES } from '../support/amqpTransports.js';
import { describeTransport } from './conformance.js';
import { ack, within } from './conformanceHelpers.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

describeTransport(
  'amqp (quorum queues)',
  AMQP_FEATURES,
  (opts) =>
    createAmqpTransport(amqpTestOptions({ queueType: 'quorum', ...(opts?.url ? { url: opts.url } : {}) })),
  { proxyTarget: brokerAddress(), urlVia: amqpUrlVia, skip },
);

const scratch = amqpScratch('amqp-quorum', skip, { queueType: 'quorum' });
const { unique, open } = scratch;

/** Whether the broker accepts `args` for the existing queue `name`: it refuses (406) a declaration of another type. */
const acceptsDeclaration = (name: string, args: Record<string, unknown> | undefined): Promise<boolean> =>
  withRawChannel((ch) => ch.assertQueue(name, { durable: true, arguments: args })).then(
    () => true,
    () => false,
  );

describe('amqp transport: quorum queues', { skip, timeout: 60_000 }, () => {
  it('declares the work queue and its dead-letter queue as quorum queues', async () => {
    const { t, lines } = await open();
    const topic = queueTopic(unique('declared'));
    await within(t.publish(topic, { id: 1, body: 1 }), 'a publish');
    const work = workQueueDeclaration(topic.name, false, 'quorum');
    assert.equal(
      await acceptsDeclaration(topic.name, work.options.arguments as Record<string, unknown>),
      true,
    );
    assert.equal(await acceptsDeclaration(topic.name, undefined), false, 'a classic declaration is refused');
    const dead = deadLetterQueueDeclaration(topic.name, 'quorum');
    assert.equal(
      await acceptsDeclaration(dead.queue, dead.options.arguments as Record<string, unknown>),
      true,
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('warn')),
      [],
    );
  });

  it("dead-letters a message at the broker's delivery limit, with the reason delivery_limit", async () => {
    const { t } = await open();
    const topic = queueTopic(unique('limit'));
    await within(t.publish(topic, { id: 'poison', body: 1 }), 'a publish');
    // A consumer that dies holding the message, over and over: here a raw nack with requeue each time.
    const returned = await withRawChannel(async (ch) => {
      let deliveries = 0;
      for (let i = 0; i < QUORUM_DELIVERY_LIMIT + 5; i++) {
        const m = await ch.get(topic.name, { noAck: false });
        if (m === false) break;
        deliveries++;
        ch.nack(m, false, true);
      }
      return deliveries;
    });
    assert.ok(returned > QUORUM_DELIVERY_LIMIT, `the broker kept delivering until its limit (${returned})`);
    const dead = scratch.inbox(t.consumeDeadLetters(topic), ack);
    const [d] = await dead.waitFor(1, 'the dead letter');
    assert.ok(d);
    assert.equal(reasonCode(d.deadLetterReason ?? ''), 'delivery_limit', d.deadLetterReason);
    assert.equal(d.topic, deadLetterTopicName(topic.name));
  });

  it('adopts an existing classic queue when quorum is asked, with a warning that names the type', async () => {
    const name = unique('adopted');
    await withRawChannel((ch) => ch.assertQueue(name, { durable: true }));
    const { t, lines } = await open();
    const topic = queueTopic(name);
    await within(t.publish(topic, { id: 'a', body: 1 }), 'a publish');
    const inbox = scratch.inbox(t.consume(topic, { prefetch: 10 }), ack);
    await inbox.waitFor(1);
    assert.equal(await acceptsDeclaration(name, undefined), true, 'the queue is still classic');
    assert.ok(
      lines.some((l) => l.startsWith('warn') && l.includes(`'${name}'`) && l.includes('quorum')),
      `one warning names the queue and the type asked for:\n${lines.join('\n')}`,
    );
  });
});
