/** The wire codec: what it accepts, what it refuses and why, and what it refuses to encode. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeError,
  MAX_FEATURES,
  MAX_METRIC_RECORDS,
  decodeEnvelope,
  encodeEnvelope,
  featureVector,
  finiteNumber,
  metricBatchBody,
  metricBody,
  preEncodeBody,
  type BodyValidator,
  type DecodeErrorCode,
  type EnvelopeBodyValidator,
} from '../../src/core/codec.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

/** Decodes `input` and asserts it fails with `code` and a reason matching `reason`. */
function refused<B>(
  input: string | Uint8Array,
  validate: EnvelopeBodyValidator<B>,
  code: DecodeErrorCode,
  reason: RegExp,
  maxBytes?: number,
): void {
  const r = decodeEnvelope(typeof input === 'string' ? bytes(input) : input, validate, maxBytes);
  assert.equal(r.ok, false, `expected ${code} for ${String(input)}`);
  if (r.ok) return;
  assert.ok(r.error instanceof DecodeError);
  assert.equal(r.error.code, code);
  assert.match(r.error.reason, reason);
  assert.equal(r.error.message, `${code}: ${r.error.reason}`);
}

describe('codec', () => {
  describe('round trip', () => {
    it('decodes what it encodes, for every body shape', () => {
      const cases = [
        { env: { id: 'run-1', body: [0.03, -0.04, 1e-300, 123456.789] }, v: featureVector },
        { env: { id: 7, body: 151.5 }, v: finiteNumber },
        { env: { id: 'm', body: { y_true: 1, y_pred: 2.5, absolute_error: 1.5 } }, v: metricBody },
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

    it('a metric body with a missing or non-numeric field', () => {
      refused('{"id": 1, "body": [1, 2, 1]}', metricBody, 'bad_body', /must be an object, got an array/);
      refused('{"id": 1, "body": {"y_true": 1, "y_pred": 2}}', metricBody, 'bad_body', /body.absolute_error/);
      const s = '{"id": 1, "body": {"y_true": "1", "y_pred": 2, "absolute_error": 1}}';
      refused(s, metricBody, 'bad_body', /body.y_true must be a finite number, got a string/);
    });
  });

  describe('metrics body (metricBatchBody)', () => {
    const record = (i: number): string =>
      `{"id": "r-${i}", "y_true": ${i}, "y_pred": ${i + 0.5}, "absolute_error": 0.5}`;
    const batch = (n: number): string =>
      `{"id": "r-0", "body": [${Array.from({ length: n }, (_, i) => record(i)).join(', ')}]}`;

    it('reads a batch: every record with its own id, values exact, extra fields dropped', () => {
      const records = [
        { id: 'run-1', y_true: 0.1 + 0.2, y_pred: 1 / 3, absolute_error: Math.abs(0.1 + 0.2 - 1 / 3) },
        {
          id: 1669147134.196809,
          y_true: 151,
          y_pred: 150.99999999999997,
          absolute_error: 2.8421709430404007e-14,
        },
        { id: '17', y_true: -2.5e-300, y_pred: 0, absolute_error: 2.5e-300 },
      ];
      const withExtra = records.map((r, i) => (i === 0 ? { ...r, note: 'dropped' } : r));
      const r = decodeEnvelope(encodeEnvelope({ id: 'run-1', body: withExtra }), metricBatchBody);
      assert.deepEqual(r, { ok: true, value: { id: 'run-1', body: records } });
      assert.equal(typeof (r.ok && r.value.body[1]?.id), 'number', 'a number id stays a number');
      assert.equal(
        typeof (r.ok && r.value.body[2]?.id),
        'string',
        'a string id that reads as a number stays one',
      );
    });

    it('reads the older one-record body as one record carrying the envelope id', () => {
      for (const id of ['m-1', 1669147134.196809]) {
        const body = { y_true: 1, y_pred: 2.5, absolute_error: 1.5 };
        const r = decodeEnvelope(encodeEnvelope({ id, body }), metricBatchBody);
        assert.deepEqual(r, { ok: true, value: { id, body: [{ id, ...body }] } });
      }
      // As the older metric service wrote it, key order and all.
      const old = '{"id": "x", "body": {"y_true": 3, "y_pred": 1, "absolute_error": 2}}';
      const r = decodeEnvelope(bytes(old), metricBatchBody);
      assert.deepEqual(r.ok && r.value.body, [{ id: 'x', y_true: 3, y_pred: 1, absolute_error: 2 }]);
    });

    it('takes up to MAX_METRIC_RECORDS records, and refuses more', () => {
      const most = decodeEnvelope(bytes(batch(MAX_METRIC_RECORDS)), metricBatchBody, 4 * 1024 * 1024);
      assert.equal(most.ok && most.value.body.length, MAX_METRIC_RECORDS);
      refused(
        batch(MAX_METRIC_RECORDS + 1),
        metricBatchBody,
        'bad_body',
        new RegExp(`body has ${MAX_METRIC_RECORDS + 1} records; at most ${MAX_METRIC_RECORDS}`),
        4 * 1024 * 1024,
      );
    });

    it('refuses the whole message for one bad record, naming it', () => {
      const withBad = (bad: string): string =>
        `{"id": "r-0", "body": [${record(0)}, ${record(1)}, ${record(2)}, ${bad}, ${record(4)}]}`;
      const cases: [string, RegExp][] = [
        [
          '{"id": "r-3", "y_true": 1, "y_pred": "2", "absolute_error": 1}',
          /^body\[3\]\.y_pred must be a finite number, got a string/,
        ],
        ['{"id": "r-3", "y_true": 1, "y_pred": 2}', /^body\[3\]\.absolute_error must be a finite number/],
        [
          '{"id": "r-3", "y_true": 1, "y_pred": 2, "absolute_error": 1e999}',
          /^body\[3\]\.absolute_error .* Infinity/,
        ],
        [
          '{"y_true": 1, "y_pred": 2, "absolute_error": 1}',
          /^body\[3\]: id must be a finite number or a non-empty string/,
        ],
        [
          '{"id": "", "y_true": 1, "y_pred": 2, "absolute_error": 1}',
          /^body\[3\]: id must not be an empty string/,
        ],
        ['{"id": null, "y_true": 1, "y_pred": 2, "absolute_error": 1}', /^body\[3\]: id .* got null/],
        [
          `{"id": "${'x'.repeat(257)}", "y_true": 1, "y_pred": 2, "absolute_error": 1}`,
          /^body\[3\]: id is 257 characters/,
        ],
        ['null', /^body\[3\] must be an object, got null/],
        ['[1, 2, 1]', /^body\[3\] must be an object, got an array/],
      ];
      for (const [bad, reason] of cases) refused(withBad(bad), metricBatchBody, 'bad_body', reason);
    });

    it('refuses an empty batch, a body of another type, a bad older body and a bad envelope id', () => {
      refused('{"id": 1, "body": []}', metricBatchBody, 'bad_body', /must not be an empty array/);
      refused(
        '{"id": 1, "body": "151"}',
        metricBatchBody,
        'bad_body',
        /array of records or one record, got a string/,
      );
      refused('{"id": 1, "body": 151}', metricBatchBody, 'bad_body', /got number 151/);
      refused(
        '{"id": 1, "body": {"y_true": 1, "y_pred": 2}}',
        metricBatchBody,
        'bad_body',
        /^body\.absolute_error/,
      );
      refused(`{"id": "", "body": [${record(0)}]}`, metricBatchBody, 'bad_id', /empty string/);
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
