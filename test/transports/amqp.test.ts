/**
 * The RabbitMQ transport against the real broker: the shared conformance suite, then what is specific to AMQP
 * (wire properties, pika interoperability, queue clashes, capped broadcast queues, late brokers, redaction).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentConnectionError } from '../../src/core/connectionFailure.js';
import { createAmqpTransport } from '../../src/transports/amqp/index.js';
import { AMQP_URL, brokerReachable } from '../../harness/brokers.js';
import { amqpUrlVia, brokerAddress } from '../../harness/amqpBroker.js';
import { amqpTestOptions, AMQP_FEATURES } from '../support/amqpTransports.js';
import { describeTransport } from './conformance.js';
import { sleep } from '../../harness/poll.js';

const skip = await brokerReachable('rabbitmq', AMQP_URL);

describeTransport(
  'amqp',
  AMQP_FEATURES,
  (opts) => createAmqpTransport(amqpTestOptions(opts?.url ? { url: opts.url } : {})),
  { proxyTarget: brokerAddress(), urlVia: amqpUrlVia, skip },
);

describe('amqp transport: settings', { skip }, () => {
  it('never prints the password of a URL the broker refuses', { timeout: 20_000 }, async () => {
    const lines: string[] = [];
    const secret = 'n0t-the-Passw0rd';
    const t = await createAmqpTransport({
      ...amqpTestOptions({ url: `amqp://guest:${secret}@127.0.0.1:${brokerAddress().port}` }),
      logger: (level, message) => lines.push(`${level}: ${message}`),
      closeTimeoutMs: 200,
    });
    const states: string[] = [];
    t.state$.subscribe((s) => states.push(s));
    const publish = t.publish({ name: 'conformance.never', kind: 'queue' }, { id: 1, body: 1 });
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => l.includes('ACCESS_REFUSED') || l.includes('403')) && Date.now() < deadline)
      await sleep(20);
    await t.close();
    const error = await publish.then(
      () => assert.fail('a publish cannot succeed with a wrong password'),
      (e: unknown) => e as Error,
    );
    const everything = [...lines, error.message, String(error.stack)].join('\n');
    assert.ok(
      lines.some((l) => l.includes('guest:***@')),
      `the URL is shown redacted:\n${lines.join('\n')}`,
    );
    assert.ok(!everything.includes(secret), `the password leaked:\n${everything}`);
    // Refused credentials are permanent: no retry, and the publish fails with the reason.
    assert.ok(error instanceof PermanentConnectionError && error.reason === 'credentials', error.message);
    assert.ok(!lines.some((l) => /again in \d+ ms/.test(l)), `no retry:\n${lines.join('\n')}`);
    assert.deepEqual(states, ['connecting', 'closed']);
  });

  it('refuses a message larger than maxMessageBytes before it reaches the broker', async () => {
    const t = await createAmqpTransport(amqpTestOptions({ maxMessageBytes: 64 }));
    try {
      await assert.rejects(
        t.publishRaw({ name: 'conformance.big', kind: 'queue' }, new Uint8Array(65)),
        RangeError,
      );
    } finally {
      await t.close();
    }
  });
});
