/**
 * A list of broker URLs against the real broker: a first URL whose port refuses connections is passed over for
 * the next, which works; no log line shows a password.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { queueTopic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { deleteTopics } from '../../harness/amqpBroker.js';
import { ack, Inbox, within } from './conformanceHelpers.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

const topics: string[] = [];
const transports: Transport[] = [];
after(async () => {
  await Promise.allSettled(transports.map((t) => t.close()));
  if (!skip) await deleteTopics(topics);
});

describe('amqp transport: URL lists', { skip, timeout: 30_000 }, () => {
  it('connects to the second URL when the first refuses, and shows neither password', async () => {
    const secret = 'f1rst-Secret';
    const brokerPassword = decodeURIComponent(new URL(AMQP_URL).password);
    const lines: string[] = [];
    const t = await createAmqpTransport({
      // Port 1 on loopback: refused at once.
      url: `amqp://guest:${secret}@127.0.0.1:1,${AMQP_URL}`,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      closeTimeoutMs: 5000,
      logger: (level, message) => lines.push(`${level}: ${message}`),
    });
    transports.push(t);
    const topic = queueTopic(`amqp-urls.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
    topics.push(topic.name);
    await within(t.publish(topic, { id: 'via-second', body: 1 }), 'a publish through the second URL');
    const inbox = new Inbox(t.consume(topic, { prefetch: 10 }), ack);
    try {
      await inbox.waitFor(1);
      assert.deepEqual(inbox.ids(), ['via-second']);
    } finally {
      inbox.stop();
    }
    const log = lines.join('\n');
    assert.match(log, /127\.0\.0\.1:1/, 'the refused URL is named');
    assert.ok(
      lines.some((l) => l.includes('connected to')),
      log,
    );
    assert.ok(!log.includes(secret), `a password leaked:\n${log}`);
    assert.ok(!log.includes(`:${brokerPassword}@`), `a password leaked:\n${log}`);
  });
});
