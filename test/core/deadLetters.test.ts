import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooser,
  codedReason,
  ReasonTally,
  reasonCode,
  recordIdOf,
  shortBody,
} from '../../src/core/deadLetters.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('dead letters, pure', () => {
  it('stores a reason with its code in front, once', () => {
    assert.equal(codedReason('not_json', 'message is not JSON'), 'not_json: message is not JSON');
    assert.equal(codedReason('unmatched', 'unmatched: no y_pred for id a'), 'unmatched: no y_pred for id a');
  });

  it('reads the code of a reason, and `other` for a reason without one', () => {
    assert.equal(reasonCode('wrong_shape: expected 10 features'), 'wrong_shape');
    assert.equal(reasonCode('exceeded max deliveries (20)'), 'other');
    assert.equal(reasonCode('Not_json: x'), 'other');
    assert.equal(reasonCode(''), 'other');
  });

  it('finds the record id when the bytes carry one', () => {
    assert.equal(recordIdOf(bytes('{"id":"r-7","body":1}')), 'r-7');
    assert.equal(recordIdOf(bytes('{"id":1669147134.196809,"body":1}')), '1669147134.196809');
    assert.equal(recordIdOf(bytes('{"id":null,"body":1}')), undefined);
    assert.equal(recordIdOf(bytes('not json')), undefined);
    assert.equal(recordIdOf(new Uint8Array([0x7b, 0xff])), undefined);
    assert.equal(recordIdOf(bytes('[1,2]')), undefined);
  });

  it('shows a body on one short line', () => {
    assert.equal(shortBody(bytes('{"id":"a",\n"body":1}')), '{"id":"a", "body":1}');
    const long = shortBody(bytes('x'.repeat(1_000_000)), 20);
    assert.equal(long.length, 20);
    assert.ok(long.endsWith('…'));
  });

  it('counts by code, most frequent first', () => {
    const t = new ReasonTally();
    for (const r of ['unmatched: a', 'not_json: b', 'unmatched: c', 'bad_id: d', 'odd'] as const) t.add(r);
    assert.equal(t.size, 5);
    assert.deepEqual(t.entries(), [
      ['unmatched', 2],
      ['bad_id', 1],
      ['not_json', 1],
      ['other', 1],
    ]);
    assert.equal(t.toString(), 'unmatched 2, bad_id 1, not_json 1, other 1');
    assert.equal(new ReasonTally().toString(), 'none');
  });

  it('takes the dead letters of the chosen code up to the limit, keeps the others, then stops', () => {
    const choose = chooser({ reason: 'unmatched', limit: 2 });
    assert.deepEqual(
      ['unmatched: 1', 'not_json: 2', 'unmatched: 3', 'unmatched: 4', 'not_json: 5'].map(choose),
      ['take', 'keep', 'take', 'stop', 'stop'],
    );
    const all = chooser({});
    assert.deepEqual(['a', 'b: c'].map(all), ['take', 'take']);
  });
});
