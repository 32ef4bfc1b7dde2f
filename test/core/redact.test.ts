import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactText, redactUrl } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it('hides the password and keeps the user', () => {
    assert.equal(redactUrl('amqp://guest:s3cr3t@127.0.0.1:5672/vh'), 'amqp://guest:***@127.0.0.1:5672/vh');
  });
  it('hides a token that stands alone', () => {
    assert.equal(redactUrl('nats://mytoken@localhost:4222'), 'nats://***@localhost:4222');
  });
  it('leaves URLs without credentials alone', () => {
    assert.equal(redactUrl('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222');
  });
  it('redacts every URL inside a text, and the secret never survives', () => {
    const out = redactText('connect ECONNREFUSED amqp://u:pw1@a:1 then "amqps://v:pw2@b/x" failed');
    assert.ok(!out.includes('pw1') && !out.includes('pw2'), out);
    assert.match(out, /amqp:\/\/u:\*\*\*@a:1/);
  });
});
