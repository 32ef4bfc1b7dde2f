/** The `metrics` body: what a dashboard accepts from the metric service, what it refuses and why. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, encodeEnvelope } from '../../src/core/codec.js';
import { MAX_METRIC_RECORDS, metricsBody } from '../../src/core/metricsBody.js';
import { bytes, refused } from '../support/refused.js';

describe('metricsBody', () => {
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
    const r = decodeEnvelope(encodeEnvelope({ id: 'run-1', body: withExtra }), metricsBody);
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
      const r = decodeEnvelope(encodeEnvelope({ id, body }), metricsBody);
      assert.deepEqual(r, { ok: true, value: { id, body: [{ id, ...body }] } });
    }
    // As the older metric service wrote it, key order and all.
    const old = '{"id": "x", "body": {"y_true": 3, "y_pred": 1, "absolute_error": 2}}';
    const r = decodeEnvelope(bytes(old), metricsBody);
    assert.deepEqual(r.ok && r.value.body, [{ id: 'x', y_true: 3, y_pred: 1, absolute_error: 2 }]);
  });

  it('takes up to MAX_METRIC_RECORDS records, and refuses more', () => {
    const most = decodeEnvelope(bytes(batch(MAX_METRIC_RECORDS)), metricsBody, 4 * 1024 * 1024);
    assert.equal(most.ok && most.value.body.length, MAX_METRIC_RECORDS);
    refused(
      batch(MAX_METRIC_RECORDS + 1),
      metricsBody,
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
    for (const [bad, reason] of cases) refused(withBad(bad), metricsBody, 'bad_body', reason);
  });

  it('refuses an empty batch, a body of another type, a bad older body and a bad envelope id', () => {
    refused('{"id": 1, "body": []}', metricsBody, 'bad_body', /must not be an empty array/);
    refused(
      '{"id": 1, "body": "151"}',
      metricsBody,
      'bad_body',
      /array of records or one record, got a string/,
    );
    refused('{"id": 1, "body": 151}', metricsBody, 'bad_body', /got number 151/);
    refused(
      '{"id": 1, "body": {"y_true": 1, "y_pred": 2}}',
      metricsBody,
      'bad_body',
      /^body\.absolute_error/,
    );
    refused(`{"id": "", "body": [${record(0)}]}`, metricsBody, 'bad_id', /empty string/);
  });

  it('refuses an array of non-records, and an older body with a field of the wrong type or none', () => {
    refused(
      '{"id": 1, "body": [1, 2, 1]}',
      metricsBody,
      'bad_body',
      /^body\[0\] must be an object, got number 1$/,
    );
    const s = '{"id": 1, "body": {"y_true": "1", "y_pred": 2, "absolute_error": 1}}';
    refused(s, metricsBody, 'bad_body', /^body\.y_true must be a finite number, got a string \("1"\)$/);
    refused('{"id": 1, "body": null}', metricsBody, 'bad_body', /one record, got null$/);
  });
});
