/** The RabbitMQ topology and message properties, as pure functions: no broker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { broadcastTopic, FEATURES, METRICS, Y_PRED, Y_TRUE } from '../../src/core/topics.js';
import { reasonCode } from '../../src/core/deadLetters.js';
import {
  broadcastExchangeDeclaration,
  deadLetterProperties,
  deadLetterQueueDeclaration,
  deadLetterReasonOf,
  deliveryCountOf,
  isPreconditionFailed,
  publishProperties,
  publishTarget,
  QUORUM_DELIVERY_LIMIT,
  queueTypeOf,
  retryProperties,
  SUBSCRIBER_QUEUE_MAX_BYTES,
  subscriberQueueDeclaration,
  workQueueDeclaration,
  workQueueDeclarations,
} from '../../src/transports/amqp/topology.js';

describe('amqp topology', () => {
  it('routes queue topics through the default exchange, by the topic name, as the pika scripts do', () => {
    for (const t of [FEATURES, Y_TRUE, Y_PRED])
      assert.deepEqual(publishTarget(t), { exchange: '', routingKey: t.name });
    assert.deepEqual(
      [FEATURES, Y_TRUE, Y_PRED].map((t) => t.name),
      ['features', 'y_true', 'y_pred'],
    );
  });

  it('routes broadcast topics through a fanout exchange named after the topic', () => {
    assert.deepEqual(publishTarget(METRICS), { exchange: 'metrics', routingKey: '' });
    assert.deepEqual(broadcastExchangeDeclaration('metrics'), {
      exchange: 'metrics',
      type: 'fanout',
      options: { durable: true, autoDelete: false },
    });
  });

  it('declares durable work queues by default, and plain ones exactly like pika when legacy', () => {
    assert.deepEqual(workQueueDeclaration('features', false), {
      queue: 'features',
      options: { durable: true, exclusive: false, autoDelete: false },
    });
    const legacy = workQueueDeclaration('features', true);
    assert.equal(legacy.options.arguments, undefined, 'no arguments: any would clash with pika');
    assert.deepEqual(legacy, {
      queue: 'features',
      options: { durable: false, exclusive: false, autoDelete: false },
    });
  });

  it('declares a partition queue with a single active consumer, the wire queues without', () => {
    assert.deepEqual(workQueueDeclaration('y_true.2', false, 'classic', true), {
      queue: 'y_true.2',
      options: {
        durable: true,
        exclusive: false,
        autoDelete: false,
        arguments: { 'x-single-active-consumer': true },
      },
    });
    assert.equal(workQueueDeclaration('y_true', false, 'classic', false).options.arguments, undefined);
  });

  it('declares a quorum work queue after its dead-letter queue, a classic one alone', () => {
    assert.deepEqual(
      workQueueDeclarations('y_true.1', false, 'quorum', true).map((d) => d.queue),
      ['y_true.1.dead_letter', 'y_true.1'],
    );
    assert.deepEqual(workQueueDeclarations('y_true.1', false, 'classic', true), [
      workQueueDeclaration('y_true.1', false, 'classic', true),
    ]);
  });

  it('gives each broadcast subscriber an exclusive, auto-delete, capped queue that drops its oldest', () => {
    assert.deepEqual(subscriberQueueDeclaration(123), {
      queue: '',
      options: {
        durable: false,
        exclusive: true,
        autoDelete: true,
        arguments: {
          'x-max-length': 123,
          'x-max-length-bytes': SUBSCRIBER_QUEUE_MAX_BYTES,
          'x-overflow': 'drop-head',
        },
      },
    });
  });

  it('keeps dead letters in a durable queue named <topic>.dead_letter', () => {
    assert.deepEqual(deadLetterQueueDeclaration('y_pred'), {
      queue: 'y_pred.dead_letter',
      options: { durable: true, exclusive: false, autoDelete: false },
    });
  });

  it('marks our messages as JSON, persistent, with the id as messageId', () => {
    assert.deepEqual(publishProperties('1669147134.196809'), {
      contentType: 'application/json',
      persistent: true,
      messageId: '1669147134.196809',
    });
    assert.equal('messageId' in publishProperties(undefined), false);
  });
});

describe('amqp delivery counting', () => {
  it('counts 1 for a message without properties (pika), 2 when only the redelivered flag is set', () => {
    assert.equal(deliveryCountOf(undefined, false), 1);
    assert.equal(deliveryCountOf({ headers: undefined }, false), 1);
    assert.equal(deliveryCountOf({}, true), 2);
  });

  it('reads x-attempts from the copies nack republishes, plus one if that copy was redelivered', () => {
    assert.equal(deliveryCountOf({ headers: { 'x-attempts': 3 } }, false), 3);
    assert.equal(deliveryCountOf({ headers: { 'x-attempts': 3 } }, true), 4);
  });

  it("adds a quorum queue's own x-delivery-count instead of guessing from the flag", () => {
    assert.equal(deliveryCountOf({ headers: { 'x-delivery-count': 2 } }, true), 3);
  });

  it('ignores header values that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, 'abc', null, {}])
      assert.equal(deliveryCountOf({ headers: { 'x-attempts': bad } }, false), 1);
  });

  it('republishes a nacked message with its properties and x-attempts = deliveryCount + 1', () => {
    const original = {
      contentType: 'application/json',
      messageId: 'r-1',
      deliveryMode: 2,
      headers: { 'x-attempts': 2, 'x-delivery-count': 5, custom: 'kept' },
    };
    assert.deepEqual(retryProperties(original, 2), {
      contentType: 'application/json',
      messageId: 'r-1',
      persistent: true,
      headers: { 'x-attempts': 3, custom: 'kept' },
    });
    const fromPika = retryProperties(undefined, 1);
    assert.deepEqual(fromPika, { persistent: true, headers: { 'x-attempts': 2 } });
    assert.equal(deliveryCountOf(fromPika, false), 2, 'the copy counts as the second delivery');
  });

  it('carries over every publishable property of the right type, and nothing of the wrong type', () => {
    const ids = { messageId: 'm', correlationId: 'c', type: 't', appId: 'app' };
    const all = { ...ids, contentType: 'a/b', contentEncoding: 'gz', timestamp: 7, priority: 3 };
    assert.deepEqual(retryProperties(all, 1), { ...all, persistent: true, headers: { 'x-attempts': 2 } });
    const wrong = { contentType: 1, messageId: null, timestamp: '7', priority: undefined, userId: 'u' };
    assert.deepEqual(retryProperties(wrong, 1), { persistent: true, headers: { 'x-attempts': 2 } });
  });

  it('writes the reason and the original topic into a dead letter, and reads the reason back', () => {
    const props = deadLetterProperties({ messageId: 'm', headers: { a: 1 } }, 'bad_body: no', 'y_true');
    assert.deepEqual(props, {
      messageId: 'm',
      persistent: true,
      headers: { a: 1, 'x-dead-letter-reason': 'bad_body: no', 'x-original-topic': 'y_true' },
    });
    assert.equal(deadLetterReasonOf(props), 'bad_body: no');
    const again = deadLetterProperties(props, 'still bad', 'y_true.dead_letter');
    assert.equal(
      (again.headers as Record<string, unknown>)['x-original-topic'],
      'y_true',
      'the first topic is kept',
    );
    assert.equal(deadLetterReasonOf(again), 'still bad');
    assert.equal(
      deadLetterReasonOf({ headers: { 'x-dead-letter-reason': Buffer.from('as bytes') } }),
      'as bytes',
    );
    assert.equal(deadLetterReasonOf({}), undefined);
  });

  it('recognises the broker refusing a clashing declaration', () => {
    assert.equal(isPreconditionFailed(Object.assign(new Error('x'), { code: 406 })), true);
    assert.equal(isPreconditionFailed(Object.assign(new Error('x'), { code: 404 })), false);
    assert.equal(isPreconditionFailed('406'), false);
    assert.equal(broadcastTopic('status').kind, 'broadcast');
  });

  it('declares quorum work queues durable, with a delivery limit above ours that dead-letters to the topic', () => {
    const d = workQueueDeclaration('features', false, 'quorum');
    assert.equal(d.queue, 'features');
    assert.deepEqual(d.options, {
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': QUORUM_DELIVERY_LIMIT,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': 'features.dead_letter',
      },
    });
    // The services dead-letter a message after 5 failed attempts themselves; the broker's limit is the backstop.
    assert.ok(QUORUM_DELIVERY_LIMIT > 5);
    assert.equal(queueTypeOf(d), 'quorum');
  });

  it('declares quorum dead-letter queues without a dead-letter target of their own; classic stays as before', () => {
    const dead = deadLetterQueueDeclaration('y_true', 'quorum');
    assert.equal(dead.queue, 'y_true.dead_letter');
    assert.deepEqual(dead.options.arguments, { 'x-queue-type': 'quorum' });
    assert.equal(dead.options.durable, true);
    assert.deepEqual(deadLetterQueueDeclaration('y_true', 'classic'), deadLetterQueueDeclaration('y_true'));
    assert.deepEqual(workQueueDeclaration('y_true', false, 'classic'), workQueueDeclaration('y_true', false));
    assert.equal(queueTypeOf(workQueueDeclaration('y_true', false)), 'classic');
  });

  it("reads the broker's reason from a message a quorum queue dead-lettered at its delivery limit", () => {
    const reason = deadLetterReasonOf({ headers: { 'x-first-death-reason': 'delivery_limit' } }) ?? '';
    assert.equal(reasonCode(reason), 'delivery_limit', reason);
    const both = {
      headers: { 'x-first-death-reason': 'delivery_limit', 'x-dead-letter-reason': 'bad_body' },
    };
    assert.equal(deadLetterReasonOf(both), 'bad_body', 'our own reason wins');
  });
});
