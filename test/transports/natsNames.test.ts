/** Pure JetStream naming and configuration of the NATS transport, and its dead-letter headers: no server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckPolicy, DiscardPolicy, nanos, RetentionPolicy } from 'nats';
import {
  deadLetterHeaders,
  headerSafeReason,
  MAX_REASON_LENGTH,
  readDeadLetterReason,
} from '../../src/transports/nats/deadLetter.js';
import {
  consumerConfig,
  consumerUpdate,
  deadLetterMsgId,
  durableName,
  legacySubjectOf,
  redeliveryDelayMs,
  safeName,
  streamConfig,
  streamName,
  streamUpdate,
  subjectOf,
} from '../../src/transports/nats/names.js';
import { migratedSubjects, movedMsgId } from '../../src/transports/nats/legacySubjects.js';
import { NATS_DEFAULTS, resolveNatsOptions } from '../../src/transports/nats/options.js';

const o = resolveNatsOptions({ streamPrefix: 'P_', maxBacklogMessages: 1000, duplicateWindowMs: 60_000 });

describe('nats names', () => {
  it('keeps valid names and makes others valid without collisions', () => {
    assert.equal(safeName('features'), 'features');
    assert.equal(safeName('y_true-2'), 'y_true-2');
    const dotted = safeName('conformance.round trip');
    assert.match(dotted, /^conformance_round_trip_[0-9a-z]+$/);
    assert.notEqual(safeName('a.b'), safeName('a_b'));
    assert.equal(safeName('a.b'), safeName('a.b'), 'stable');
    assert.throws(() => safeName(''));
  });

  it('names streams per topic and kind, and durables per group', () => {
    assert.equal(streamName('PIPELINE_', 'features', 'queue'), 'PIPELINE_features');
    assert.equal(streamName('PIPELINE_', 'features', 'deadLetter'), 'PIPELINE_features_dead_letter');
    assert.equal(durableName('', 'model'), 'model');
    assert.equal(durableName('t1_', 'metric'), 't1_metric');
    assert.equal(deadLetterMsgId('PIPELINE_y_pred', 42), 'PIPELINE_y_pred:42');
  });

  it('configures a queue topic as a work-queue stream that refuses publishes when full', () => {
    const c = streamConfig('y_pred', 'queue', o);
    assert.equal(c.name, 'P_y_pred');
    assert.deepEqual(c.subjects, ['pipeline.y_pred'], 'apart from the bare subject core mode publishes on');
    assert.equal(c.num_replicas, 1);
    assert.equal(c.retention, RetentionPolicy.Workqueue);
    assert.equal(c.discard, DiscardPolicy.New);
    assert.equal(c.max_msgs, 1000);
    assert.equal(c.max_msg_size, NATS_DEFAULTS.maxMessageBytes);
    assert.equal(c.duplicate_window, nanos(60_000));
    assert.equal(c.max_age, 0, 'records never expire');
  });

  it('configures dead letters as their own stream that drops the oldest when full', () => {
    const c = streamConfig('y_pred', 'deadLetter', o);
    assert.equal(c.name, 'P_y_pred_dead_letter');
    assert.deepEqual(c.subjects, ['pipeline.y_pred.dead_letter']);
    assert.equal(c.discard, DiscardPolicy.Old);
    assert.ok((c.max_msg_size ?? 0) > NATS_DEFAULTS.maxMessageBytes, 'room for the headers');
  });

  it('configures a durable explicit-ack consumer whose ack-pending window is the prefetch', () => {
    const c = consumerConfig('y_true', 'queue', 'metric', 64, { ...o, ackWaitMs: 45_000, maxDeliver: 7 });
    assert.equal(c.durable_name, 'metric');
    assert.equal(c.ack_policy, AckPolicy.Explicit);
    assert.equal(c.filter_subject, 'pipeline.y_true');
    assert.equal(c.max_ack_pending, 64);
    assert.equal(c.ack_wait, nanos(45_000));
    assert.equal(c.max_deliver, 7);
    assert.equal(
      consumerConfig('y_true', 'deadLetter', 'dl', 1, o).filter_subject,
      'pipeline.y_true.dead_letter',
    );
  });

  it('gives JetStream subjects of their own, and knows the bare ones older versions used', () => {
    assert.equal(subjectOf('features', 'queue'), 'pipeline.features');
    assert.equal(subjectOf('features', 'deadLetter'), 'pipeline.features.dead_letter');
    assert.equal(legacySubjectOf('features', 'queue'), 'features');
    assert.equal(legacySubjectOf('features', 'deadLetter'), 'features.dead_letter');
    assert.equal(streamConfig('features', 'queue', { ...o, replicas: 3 }).num_replicas, 3);
  });

  it('moves a stream of the bare subject to the new one, keeping its other subjects', () => {
    assert.deepEqual(migratedSubjects(['features'], 'features', 'pipeline.features'), ['pipeline.features']);
    assert.deepEqual(migratedSubjects(['x', 'features'], 'features', 'pipeline.features'), [
      'x',
      'pipeline.features',
    ]);
    assert.deepEqual(
      migratedSubjects(['features', 'pipeline.features'], 'features', 'pipeline.features'),
      ['pipeline.features'],
      'half-migrated by hand',
    );
    assert.equal(migratedSubjects(['pipeline.features'], 'features', 'pipeline.features'), undefined);
    assert.equal(migratedSubjects(undefined, 'features', 'pipeline.features'), undefined);
    assert.equal(movedMsgId('PIPELINE_features', 7), 'PIPELINE_features:moved:7');
  });

  it('updates only what differs', () => {
    const s = streamConfig('features', 'queue', o);
    assert.equal(streamUpdate(s, s), undefined);
    assert.deepEqual(streamUpdate({ ...s, max_msgs: 5 }, s), { max_msgs: 1000 });
    const c = consumerConfig('features', 'queue', 'model', 10, o);
    assert.equal(consumerUpdate(c, c), undefined);
    assert.deepEqual(consumerUpdate({ ...c, max_ack_pending: 3 }, c), { max_ack_pending: 10 });
  });

  it('delays redelivery of a message that keeps failing, up to a bound', () => {
    const delays = [1, 2, 3, 4, 10, 30, 1000].map(redeliveryDelayMs);
    assert.deepEqual(delays.slice(0, 4), [100, 200, 400, 800]);
    assert.ok(delays.every((d, i) => i === 0 || d >= (delays[i - 1] ?? 0)));
    assert.equal(delays.at(-1), 10_000);
  });
});

describe('nats dead-letter headers', () => {
  it('carries reason, topic and delivery count, one line, redacted, bounded', () => {
    const h = deadLetterHeaders('bad\r\nthing at nats://u:hunter2@host:4222', 'features', 3);
    assert.equal(h.get('Dead-Letter-Reason'), 'bad thing at nats://u:***@host:4222');
    assert.equal(h.get('Original-Topic'), 'features');
    assert.equal(h.get('Original-Delivery-Count'), '3');
    assert.equal(readDeadLetterReason(h), 'bad thing at nats://u:***@host:4222');
    assert.equal(headerSafeReason('x'.repeat(5000)).length, MAX_REASON_LENGTH);
    assert.equal(headerSafeReason(' \n '), 'unspecified');
    assert.match(readDeadLetterReason(undefined), /no Dead-Letter-Reason header/);
  });
});
