/** Broker URL lists, as `--url` and the URL variables take them. Pure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitUrlList } from '../../src/core/urlList.js';

describe('splitUrlList', () => {
  it('splits at commas, trims, and drops empty entries', () => {
    assert.deepEqual(splitUrlList('nats://a:4222'), ['nats://a:4222']);
    assert.deepEqual(splitUrlList(' nats://a:4222, nats://b:4222 ,,nats://c:4222,'), [
      'nats://a:4222',
      'nats://b:4222',
      'nats://c:4222',
    ]);
    assert.deepEqual(splitUrlList(' , '), []);
  });

  it('leaves a percent-encoded comma in a password alone', () => {
    assert.deepEqual(splitUrlList('amqp://u:p%2Cw@a:5672,amqp://u:p%2Cw@b:5672'), [
      'amqp://u:p%2Cw@a:5672',
      'amqp://u:p%2Cw@b:5672',
    ]);
  });
});
