/** Options of the RabbitMQ transport and its redaction of log lines and errors: pure, no broker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PREFETCH } from '../../src/core/transport.js';
import { toError } from '../../src/core/errors.js';
import { PermanentConnectionError } from '../../src/core/connectionFailure.js';
import { redactingLogger, type LogLevel } from '../../src/core/log.js';
import {
  AMQP_DEFAULTS,
  resolveAmqpOptions,
  queueTypeFor,
  resolveAmqpUrl,
  withHeartbeat,
} from '../../src/transports/amqp/options.js';

describe('amqp options', () => {
  it('takes the URL from the option, else AMQP_URL, else RABBITMQ_HOST, else localhost', () => {
    const env = { AMQP_URL: 'amqp://a:b@env:5672', RABBITMQ_HOST: 'rabbit' };
    assert.equal(resolveAmqpUrl('amqp://x:y@given:1', env), 'amqp://x:y@given:1');
    assert.equal(resolveAmqpUrl(undefined, env), 'amqp://a:b@env:5672');
    assert.equal(resolveAmqpUrl(undefined, { RABBITMQ_HOST: 'rabbit' }), 'amqp://guest:guest@rabbit:5672');
    assert.equal(resolveAmqpUrl(undefined, {}), 'amqp://guest:guest@127.0.0.1:5672');
    assert.equal(resolveAmqpUrl('', { AMQP_URL: '' }), AMQP_DEFAULTS.url);
  });

  it('adds a heartbeat unless the URL sets one', () => {
    assert.equal(withHeartbeat('amqp://u:p@h:5672', 10), 'amqp://u:p@h:5672?heartbeat=10');
    assert.equal(withHeartbeat('amqp://u:p@h:5672/vh?heartbeat=3', 10), 'amqp://u:p@h:5672/vh?heartbeat=3');
    assert.equal(
      withHeartbeat('amqp://u:p%40ss@h/vh?frameMax=8192', 5),
      'amqp://u:p%40ss@h/vh?frameMax=8192&heartbeat=5',
    );
  });

  it('refuses a URL that is not amqp, without showing its password', () => {
    assert.throws(
      () => resolveAmqpOptions({ url: 'http://u:hunter2@h' }, {}),
      (e: Error) => {
        assert.ok(
          e instanceof PermanentConnectionError &&
            e.reason === 'url' &&
            !e.message.includes('hunter2') &&
            e.message.includes('u:***@'),
          e.message,
        );
        return true;
      },
    );
    assert.throws(() => resolveAmqpOptions({ url: 'amqp://u:hunter2@[bad' }, {}), /URL .* is not valid/);
  });

  it('takes TLS files for amqps:// only, where amqplib uses them', () => {
    const tls = { ca: 'PEM' };
    assert.deepEqual(resolveAmqpOptions({ url: 'amqps://u:p@h:5671', tls }, {}).tls, tls);
    assert.throws(() => resolveAmqpOptions({ url: 'amqp://u:p@h', tls }, {}), /need an amqps:\/\/ URL/);
    assert.equal(resolveAmqpOptions({ url: 'amqp://u:p@h', tls: {} }, {}).tls, undefined);
  });

  it('fills every default', () => {
    const o = resolveAmqpOptions({}, {});
    assert.equal(o.url, 'amqp://guest:guest@127.0.0.1:5672?heartbeat=10');
    assert.equal(o.prefetch, DEFAULT_PREFETCH);
    assert.equal(o.legacyQueues, false);
    assert.equal(o.broadcastMaxLength, 10_000);
    assert.deepEqual(o.reconnect, { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.2 });
    assert.equal(o.closeTimeoutMs, 10_000);
  });

  it('keeps what is given, and refuses impossible numbers', () => {
    const o = resolveAmqpOptions({ prefetch: 32, legacyQueues: true, reconnect: { maxDelayMs: 1000 } }, {});
    assert.equal(o.prefetch, 32);
    assert.equal(o.legacyQueues, true);
    assert.equal(o.reconnect.maxDelayMs, 1000);
    assert.equal(o.reconnect.initialDelayMs, 100);
    assert.throws(() => resolveAmqpOptions({ prefetch: 0 }, {}), RangeError);
    assert.throws(() => resolveAmqpOptions({ maxMessageBytes: Number.NaN }, {}), RangeError);
  });
});

describe('amqp redaction', () => {
  it('redacts every line before the logger sees it, and survives a throwing logger', () => {
    const lines: [LogLevel, string][] = [];
    const log = redactingLogger((level, message) => lines.push([level, message]));
    log('warn', 'cannot connect to amqp://guest:hunter2@rabbit:5672?heartbeat=10: ECONNREFUSED');
    assert.deepEqual(lines, [
      ['warn', 'cannot connect to amqp://guest:***@rabbit:5672?heartbeat=10: ECONNREFUSED'],
    ]);
    const throwing = redactingLogger(() => {
      throw new Error('disk full');
    });
    assert.doesNotThrow(() => throwing('error', 'x'));
  });

  it('hands callers errors without the password', () => {
    const e = toError(new TypeError('bad url amqp://u:hunter2@h'));
    assert.equal(e.message, 'bad url amqp://u:***@h');
    assert.equal(e.name, 'TypeError');
    const clean = new Error('no url here');
    assert.equal(toError(clean), clean);
    assert.equal(toError('amqp://u:pw@h').message, 'amqp://u:***@h');
  });

  it('takes classic queues unless quorum is asked for, and refuses quorum with legacy queues', () => {
    assert.equal(resolveAmqpOptions({}, {}).queueType, 'classic');
    assert.equal(resolveAmqpOptions({ queueType: 'quorum' }, {}).queueType, 'quorum');
    assert.throws(
      () => resolveAmqpOptions({ queueType: 'quorum', legacyQueues: true }, {}),
      /--legacy-queues/,
    );
    assert.throws(() => queueTypeFor('stream', false), /classic, quorum/);
    assert.equal(queueTypeFor(undefined, true), 'classic');
  });
});
