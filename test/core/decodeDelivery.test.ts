/** decodeDelivery: a message carried as bytes and one carried as an object are judged alike, reasons and all. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeEnvelope,
  featureVector,
  finiteNumber,
  type DecodeResult,
  type EnvelopeBodyValidator,
} from '../../src/core/codec.js';
import { decodeDelivery } from '../../src/core/decodeDelivery.js';
import type { Envelope } from '../../src/core/envelope.js';
import { metricsBody } from '../../src/core/metricsBody.js';
import { statusBody, type StatusBody } from '../../src/core/statusBody.js';
import type { Delivery } from '../../src/core/transport.js';

/** A delivery of `envelope`, as bytes (a broker) or by reference (memory); settling it is not under test. */
function delivery(envelope: Envelope<unknown>, byReference: boolean): Delivery {
  const never = (): never => assert.fail('decoding must not settle a delivery');
  return {
    topic: 't',
    data: byReference ? new Uint8Array() : encodeEnvelope(envelope),
    redelivered: false,
    deliveryCount: 1,
    ...(byReference ? { envelope } : {}),
    ack: never,
    nack: never,
    deadLetter: never,
    working: never,
  };
}

/** The outcome for both carriers, asserted to be the same, error code and reason included. */
function decodeBoth<B>(envelope: Envelope<unknown>, validate: EnvelopeBodyValidator<B>): DecodeResult<B> {
  const fromBytes = decodeDelivery(delivery(envelope, false), validate);
  const fromObject = decodeDelivery(delivery(envelope, true), validate);
  if (fromBytes.ok || fromObject.ok) assert.deepEqual(fromObject, fromBytes);
  else {
    assert.equal(fromObject.error.code, fromBytes.error.code);
    assert.equal(fromObject.error.reason, fromBytes.error.reason);
  }
  return fromBytes;
}

const status: StatusBody = {
  service: 'model',
  instance: 'i-1',
  transport: 'memory',
  state: 'connected',
  counters: {
    published: 0,
    predicted: 4,
    joined: 0,
    unmatched: 0,
    duplicates: 0,
    deadLettered: 1,
    retried: 0,
    pending: 0,
    deadByCode: { wrong_shape: 1 },
  },
};

describe('decodeDelivery', () => {
  it('accepts the body of every topic alike from bytes and from an object', () => {
    assert.deepEqual(decodeBoth({ id: 'a', body: [0.5, -1] }, featureVector), {
      ok: true,
      value: { id: 'a', body: [0.5, -1] },
    });
    assert.deepEqual(decodeBoth({ id: 2, body: 151 }, finiteNumber), {
      ok: true,
      value: { id: 2, body: 151 },
    });
    assert.deepEqual(decodeBoth({ id: 's', body: status }, statusBody), {
      ok: true,
      value: { id: 's', body: status },
    });
    // The older one-record `metrics` body takes the envelope's id, on both paths.
    const old = { y_true: 1, y_pred: 2, absolute_error: 1 };
    assert.deepEqual(decodeBoth({ id: 'old', body: old }, metricsBody), {
      ok: true,
      value: { id: 'old', body: [{ id: 'old', ...old }] },
    });
  });

  it('refuses a bad body or id alike from bytes and from an object, with the same code and reason', () => {
    const cases: [Envelope<unknown>, EnvelopeBodyValidator<unknown>, string, RegExp][] = [
      [
        { id: 'a', body: [0.5, '1'] },
        featureVector,
        'bad_body',
        /^body\[1\] must be a finite number, got a string/,
      ],
      [{ id: 'a', body: '151' }, finiteNumber, 'bad_body', /^body must be a finite number, got a string/],
      [{ id: '', body: 151 }, finiteNumber, 'bad_id', /^id must not be an empty string$/],
      [
        { id: 'm', body: [{ id: 'r', y_true: 1, y_pred: 'x', absolute_error: 1 }] },
        metricsBody,
        'bad_body',
        /^body\[0\]\.y_pred must be a finite number/,
      ],
      [
        { id: 's', body: { ...status, state: 'up' } },
        statusBody,
        'bad_body',
        /^body\.state must be connecting/,
      ],
    ];
    for (const [envelope, validate, code, reason] of cases) {
      const r = decodeBoth(envelope, validate);
      assert.equal(r.ok, false, JSON.stringify(envelope));
      if (r.ok) continue;
      assert.equal(r.error.code, code);
      assert.match(r.error.reason, reason);
    }
  });

  it('hands over the published object itself when its body needs no copy', () => {
    const envelope = { id: 'a', body: [1, 2] };
    const r = decodeDelivery(delivery(envelope, true), featureVector);
    assert.ok(r.ok);
    assert.equal(r.value, envelope);
  });

  it('refuses bytes over the size limit it is given', () => {
    const r = decodeDelivery(delivery({ id: 'a', body: [1, 2, 3] }, false), featureVector, 8);
    assert.equal(r.ok || r.error.code, 'oversize');
  });
});
