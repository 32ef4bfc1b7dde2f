/** How a nats.js error reads in a warning: the server's words are kept when nats.js reduces them to a code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NatsError } from 'nats';
import { jsErrorText } from '../../src/transports/nats/jsErrors.js';

describe('jsErrorText', () => {
  it('adds the chained server description to a bare status code', () => {
    // What nats.js makes of a JetStream API reply with status 503 (no leader).
    const e = NatsError.errorForCode('503', new Error('jetstream system temporarily unavailable'));
    assert.equal(e.message, '503');
    assert.equal(jsErrorText(e), '503: jetstream system temporarily unavailable');
  });

  it('says a message once when the chained error repeats it, and reads non-errors', () => {
    const e = new NatsError('TIMEOUT', 'TIMEOUT', new NatsError('TIMEOUT', 'TIMEOUT'));
    assert.equal(jsErrorText(e), 'TIMEOUT');
    assert.equal(jsErrorText(new Error('plain')), 'plain');
    assert.equal(jsErrorText('text'), 'text');
  });

  it('hides credentials in either part', () => {
    const e = NatsError.errorForCode('503', new Error('cannot reach nats://user:secret@host:4222'));
    assert.doesNotMatch(jsErrorText(e), /secret/);
  });
});
