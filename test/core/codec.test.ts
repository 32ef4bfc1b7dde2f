/** The wire codec: what it accepts, what it refuses and why, and what it refuses to encode. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_FEATURES,
  decodeEnvelope,
  encodeEnvelope,
  featureVector,
  finiteNumber,
  preEncodeBody,
  type BodyValidator,
} from '../../src/core/codec.js';
import { bytes, refused } from '../support/refused.js';

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

describe('codec', () => {
  describe('round trip', () => {
    it('decodes what it encodes, for every body shape', () => {
      const cases = [
        { env: { id: 'run-1', body: [0.03, -0.04, 1e-300, 123456.789] }, v: featureVector },
        { env: { id: 7, body: 151.5 }, v: finiteNumber },
      ] as const;
      for (const { env, v } of cases) {
        const r = decodeEnvelope(encodeEnvelope<unknown>(env), v as BodyValidator<unknown>);
        assert.deepEqual(r, { ok: true, value: env });
      }
    });

    it('encodes UTF-8 JSON with only id and body', () => {
      const env = { id: 'é-1', body: 2, extra: 'dropped' };
      assert.equal(text(encodeEnvelope(env)), '{"id":"é-1","body":2}');
    });

    it('keeps a float id such as 1669147134.196809 exactly', () => {
      const id = 1669147134.196809;
      const encoded = encodeEnvelope({ id, body: 1 });
      assert.equal(text(encoded), '{"id":1669147134.196809,"body":1}');
      const r = decodeEnvelope(encoded, finiteNumber);
      assert.ok(r.ok);
      assert.equal(r.value.id, id);
      assert.equal(typeof r.value.id, 'number');
    });

    it("decodes a message as the original Python services sent it (json.dumps' spacing)", () => {
      const r = decodeEnvelope(bytes('{"id": 1669147134.196809, "body": [0.03, -0.04]}'), featureVector);
      assert.deepEqual(r, { ok: true, value: { id: 1669147134.196809, body: [0.03, -0.04] } });
    });

    it('accepts unknown extra fields and drops them', () => {
      const r = decodeEnvelope(
        bytes('{"id": "a", "body": 3, "sent_at": 12, "meta": {"x": [1]}}'),
        finiteNumber,
      );
      assert.deepEqual(r, { ok: true, value: { id: 'a', body: 3 } });
    });
  });

  describe('refuses', () => {
    it('a message over the size limit, before parsing it', () => {
      const msg = `{"id": "a", "body": [${Array(100).fill('1').join(',')}]}`;
      refused(msg, featureVector, 'oversize', /^message is \d+ bytes; at most 64$/, 64);
      assert.ok(decodeEnvelope(bytes(msg), featureVector, bytes(msg).byteLength).ok, 'exactly at the limit');
      refused('not even JSON, but too long', featureVector, 'oversize', /at most 4/, 4);
    });

    it('bytes that are not UTF-8', () => {
      refused(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), finiteNumber, 'not_utf8', /not valid UTF-8/);
      // A lone continuation byte inside an otherwise valid message.
      const good = bytes('{"id": "a", "body": 1}');
      const bad = new Uint8Array([...good.subarray(0, 9), 0x80, ...good.subarray(9)]);
      refused(bad, finiteNumber, 'not_utf8', /UTF-8/);
    });

    it('text that is not JSON, and truncated JSON', () => {
      refused('hello', finiteNumber, 'not_json', /^message is not JSON: /);
      refused('', finiteNumber, 'not_json', /not JSON/);
      refused('{"id": 1, "body": [0.1, 0.2', featureVector, 'not_json', /not JSON/);
      refused('{"id": 1, "body": 2', finiteNumber, 'not_json', /not JSON/);
      refused("{'id': 1, 'body': 2}", finiteNumber, 'not_json', /not JSON/);
    });

    it("NaN and Infinity as Python's json.dumps writes them (JSON cannot carry them)", () => {
      refused('{"id": 1, "body": NaN}', finiteNumber, 'not_json', /not JSON/);
      refused('{"id": 1, "body": Infinity}', finiteNumber, 'not_json', /not JSON/);
      refused('{"id": 1, "body": -Infinity}', finiteNumber, 'not_json', /not JSON/);
      refused('{"id": 1, "body": [0.1, NaN]}', featureVector, 'not_json', /not JSON/);
      refused('{"id": NaN, "body": 1}', finiteNumber, 'not_json', /not JSON/);
    });

    it('JSON that is not an object', () => {
      refused('[1, 2]', finiteNumber, 'not_object', /JSON object .*got an array/);
      refused('42', finiteNumber, 'not_object', /got number 42/);
      refused('null', finiteNumber, 'not_object', /got null/);
      refused('"id"', finiteNumber, 'not_object', /got a string/);
      refused('true', finiteNumber, 'not_object', /got boolean true/);
    });

    it('a missing or invalid id', () => {
      refused('{"body": 1}', finiteNumber, 'bad_id', /^message has no id$/);
      refused(
        '{"id": null, "body": 1}',
        finiteNumber,
        'bad_id',
        /finite number or a non-empty string, got null/,
      );
      refused('{"id": {"n": 1}, "body": 1}', finiteNumber, 'bad_id', /got a value of type object/);
      refused('{"id": [1], "body": 1}', finiteNumber, 'bad_id', /got an array/);
      refused('{"id": true, "body": 1}', finiteNumber, 'bad_id', /got boolean true/);
      refused('{"id": "", "body": 1}', finiteNumber, 'bad_id', /must not be an empty string/);
      refused(
        `{"id": "${'x'.repeat(257)}", "body": 1}`,
        finiteNumber,
        'bad_id',
        /257 characters long; at most 256/,
      );
      // NaN-like: a number literal too large for a double parses as Infinity.
      refused('{"id": 1e999, "body": 1}', finiteNumber, 'bad_id', /id must be finite, got Infinity/);
      refused('{"id": -1e999, "body": 1}', finiteNumber, 'bad_id', /got -Infinity/);
      assert.ok(decodeEnvelope(bytes(`{"id": "${'x'.repeat(256)}", "body": 1}`), finiteNumber).ok);
    });

    it('a missing or invalid number body', () => {
      refused('{"id": 1}', finiteNumber, 'bad_body', /^message has no body$/);
      refused(
        '{"id": 1, "body": "151.0"}',
        finiteNumber,
        'bad_body',
        /finite number, got a string \("151.0"\)/,
      );
      refused('{"id": 1, "body": null}', finiteNumber, 'bad_body', /got null/);
      refused('{"id": 1, "body": [1]}', finiteNumber, 'bad_body', /got an array/);
      refused('{"id": 1, "body": 1e999}', finiteNumber, 'bad_body', /got number Infinity/);
    });

    it('a feature vector with elements of the wrong type', () => {
      refused('{"id": 1, "body": "0.1,0.2"}', featureVector, 'bad_body', /array of numbers, got a string/);
      refused(
        '{"id": 1, "body": {"0": 1}}',
        featureVector,
        'bad_body',
        /array of numbers, got a value of type object/,
      );
      refused('{"id": 1, "body": []}', featureVector, 'bad_body', /must not be an empty array/);
      refused(
        '{"id": 1, "body": [0.1, "0.2"]}',
        featureVector,
        'bad_body',
        /body\[1\] must be a finite number, got a string/,
      );
      refused('{"id": 1, "body": [0.1, null]}', featureVector, 'bad_body', /body\[1\] .* got null/);
      refused('{"id": 1, "body": [[0.1], 0.2]}', featureVector, 'bad_body', /body\[0\] .* got an array/);
      refused(
        '{"id": 1, "body": [0.1, 1e999]}',
        featureVector,
        'bad_body',
        /body\[1\] .* got number Infinity/,
      );
      const tooMany = `{"id": 1, "body": [${Array(MAX_FEATURES + 1)
        .fill('0')
        .join(',')}]}`;
      refused(tooMany, featureVector, 'bad_body', new RegExp(`${MAX_FEATURES + 1} features; at most`));
    });
  });

  describe('encodeEnvelope', () => {
    it('refuses numbers JSON cannot carry instead of writing null', () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        assert.throws(() => encodeEnvelope({ id: 'a', body: bad }), RangeError);
        assert.throws(() => encodeEnvelope({ id: 'a', body: [0.1, bad] }), /non-finite number/);
        assert.throws(() => encodeEnvelope({ id: bad, body: 1 }), RangeError);
        assert.throws(() => encodeEnvelope({ id: 'a', body: { y_true: 1, y_pred: bad } }), RangeError);
      }
    });

    it('sends a pre-encoded body exactly as it would have encoded it, and freezes it', () => {
      const row = [0.0380759064334241, -0.0442234984244464, 1e-7, 2];
      const expected = JSON.stringify({ id: 'run-"7"', body: row });
      preEncodeBody(row);
      assert.ok(Object.isFrozen(row), 'a pre-encoded body can no longer change under its JSON');
      assert.equal(text(encodeEnvelope({ id: 'run-"7"', body: row })), expected);
      assert.equal(text(encodeEnvelope({ id: 17, body: row })), JSON.stringify({ id: 17, body: row }));
      // Another array with equal contents is encoded the ordinary way, with the same result.
      assert.equal(text(encodeEnvelope({ id: 'run-"7"', body: [...row] })), expected);
      assert.throws(() => encodeEnvelope({ id: NaN, body: row }), RangeError, 'the id is still checked');
    });

    it('refuses to pre-encode a body JSON cannot carry', () => {
      const row = [1, NaN];
      assert.throws(() => preEncodeBody(row), RangeError);
      assert.equal(Object.isFrozen(row), false);
      assert.throws(() => encodeEnvelope({ id: 'a', body: row }), RangeError);
    });
  });
});
