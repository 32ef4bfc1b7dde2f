/**
 * A list of broker URLs against the real broker: a first URL whose port refuses connections, or where something
 * accepts the connection and never answers, is passed over for the next, which works; no log line shows a
 * password. The dead-letter tools' one-shot connection gives up on a silent port too.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { queueTopic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import { connectFirst } from '../../src/transports/amqp/connectFirst.js';
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

/** A loopback port that accepts connections and never says a word: an AMQP handshake there waits forever. */
async function silentPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => void sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('amqp: a port that accepts and never answers', { skip, timeout: 30_000 }, () => {
  it('the transport gives up on it after connectTimeoutMs and goes on to the next URL', async () => {
    const silent = await silentPort();
    const lines: string[] = [];
    try {
      const t = await createAmqpTransport({
        url: `amqp://guest:guest@127.0.0.1:${silent.port},${AMQP_URL}`,
        connectTimeoutMs: 300,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        closeTimeoutMs: 5000,
        logger: (level, message) => lines.push(`${level}: ${message}`),
      });
      transports.push(t);
      const topic = queueTopic(
        `amqp-silent.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      );
      topics.push(topic.name);
      // Without the timeout the first attempt would hang until the kernel gives up on an open socket: never.
      await within(
        t.publish(topic, { id: 'past-the-silent-one', body: 1 }),
        'a publish through the second URL',
        10_000,
      );
      assert.match(
        lines.join('\n'),
        new RegExp(
          `127\\.0\\.0\\.1:${silent.port}: connect ETIMEDOUT; connecting to amqp://guest:\\*\\*\\*@`,
        ),
        `the silent URL is named with its time-out:\n${lines.join('\n')}`,
      );
    } finally {
      await silent.close();
    }
  });

  it('the one-shot connection of the tools fails there within its timeout, naming the time-out', async () => {
    const silent = await silentPort();
    try {
      const started = performance.now();
      await assert.rejects(
        connectFirst([`amqp://guest:guest@127.0.0.1:${silent.port}`], { timeout: 300 }),
        /ETIMEDOUT/,
      );
      assert.ok(performance.now() - started < 5_000, 'gave up in time');
    } finally {
      await silent.close();
    }
  });
});
