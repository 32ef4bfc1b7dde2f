/**
 * Quorum queues on the real broker: the conformance suite again with `queueType: 'quorum'`, then what is specific
 * to them: the declared type, the broker's delivery limit ending in the topic's dead-letter queue with a reason,
 * and an existing classic queue adopted with a warning. Raw amqplib checks what the broker holds.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deadLetterTopicName, queueTopic } from '../../src/core/topics.js';
import { reasonCode } from '../../src/core/deadLetters.js';
import type { Transport } from '../../src/core/transport.js';
import { createAmqpTransport, type AmqpTransportOptions } from '../../src/transports/amqp/index.js';
import {
  deadLetterQueueDeclaration,
  QUORUM_DELIVERY_LIMIT,
  workQueueDeclaration,
} from '../../src/transports/amqp/topology.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { amqpUrlVia, brokerAddress, deleteTopics, withRawChannel } from '../../harness/amqpBroker.js';
import { describeTransport } from './conformance.js';
import { ack, Inbox, within } from './conformanceHelpers.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

/** As amqp.test.ts's (importing that file would run its suite here too); reconnect warnings go nowhere. */
const testOptions = (extra: AmqpTransportOptions = {}): AmqpTransportOptions => ({
  url: AMQP_URL,
  logger: () => undefined,
  reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  closeTimeoutMs: 5000,
  ...extra,
});

describeTransport(
  'amqp (quorum queues)',
  {
    persistent: true,
    orderedFromOneProducer: true,
    workQueue: true,
    broadcast: true,
    redeliversOnNack: true,
    redeliversUnackedOnConsumerDeath: true,
    deadLetters: true,
    reconnects: true,
    cleanup: deleteTopics,
  },
  (opts) =>
    createAmqpTransport(testOptions({ queueType: 'quorum', ...(opts?.url ? { url: opts.url } : {}) })),
  { proxyTarget: brokerAddress(), urlVia: amqpUrlVia, skip },
);

const topics: string[] = [];
const transports: Transport[] = [];
const inboxes: Inbox[] = [];
after(async () => {
  for (const i of inboxes) i.stop();
  await Promise.allSettled(transports.map((t) => t.close()));
  if (!skip) await deleteTopics(topics);
});

const unique = (label: string): string => {
  const name = `amqp-quorum.${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  topics.push(name);
  return name;
};

async function open(options: AmqpTransportOptions = {}): Promise<{ t: Transport; lines: string[] }> {
  const lines: string[] = [];
  const t = await createAmqpTransport({
    ...testOptions({ queueType: 'quorum', ...options }),
    logger: (level, message) => lines.push(`${level}: ${message}`),
  });
  transports.push(t);
  return { t, lines };
}

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
    const dead = new Inbox(t.consumeDeadLetters(topic), ack);
    inboxes.push(dead);
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
    const inbox = new Inbox(t.consume(topic, { prefetch: 10 }), ack);
    inboxes.push(inbox);
    await inbox.waitFor(1);
    assert.equal(await acceptsDeclaration(name, undefined), true, 'the queue is still classic');
    assert.ok(
      lines.some((l) => l.startsWith('warn') && l.includes(`'${name}'`) && l.includes('quorum')),
      `one warning names the queue and the type asked for:\n${lines.join('\n')}`,
    );
  });
});
