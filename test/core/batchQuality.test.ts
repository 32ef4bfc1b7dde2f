import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchQuality } from '../../src/core/batchQuality.js';
import { NO_FIGURES } from '../../src/core/quality.js';

describe('batchQuality', () => {
  it('computes every figure of a small case worked by hand', () => {
    // Errors (y_pred − y_true): 10, −10, 30, 0. Mean y_true 250, SST 150² + 50² + 50² + 150² = 50,000.
    const s = batchQuality([100, 200, 300, 400], [110, 190, 330, 400], 2);
    assert.deepEqual(s, {
      n: 4,
      all: {
        mae: 12.5,
        rmse: Math.sqrt(1100 / 4),
        bias: 7.5,
        r2: 1 - 1100 / 50_000,
        // Sorted |e| = [0, 10, 10, 30]; ranks ⌊q·3⌋ = 1, 2, 2.
        p50: 10,
        p95: 10,
        p99: 10,
        max: 30,
      },
      // The last two: y_true 300, 400 (SST 5,000), errors 30, 0; ranks ⌊q·1⌋ = 0.
      window: {
        size: 2,
        n: 2,
        mae: 15,
        rmse: Math.sqrt(900 / 2),
        bias: 15,
        r2: 1 - 900 / 5000,
        p50: 0,
        p95: 0,
        p99: 0,
        max: 30,
      },
    });
  });

  it('takes percentiles at rank ⌊q·(n−1)⌋, without interpolation', () => {
    // |e| = 0..100 in a scrambled order: the value of rank r is r.
    const abs = Array.from({ length: 101 }, (_, i) => (i * 37) % 101);
    const s = batchQuality(
      abs.map(() => 50),
      abs.map((e, i) => 50 + (i % 2 === 0 ? e : -e)),
    );
    assert.deepEqual([s.all.p50, s.all.p95, s.all.p99, s.all.max], [50, 95, 99, 100]);
    const few = batchQuality([0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]);
    // n = 6: ranks ⌊2.5⌋ = 2, ⌊4.75⌋ = 4, ⌊4.95⌋ = 4.
    assert.deepEqual([few.all.p50, few.all.p95, few.all.p99], [3, 5, 5]);
  });

  it('answers null for R² with a constant target or a single record, and keeps the other figures', () => {
    const constant = batchQuality([7, 7, 7], [6, 8, 10]);
    assert.equal(constant.all.r2, null);
    assert.equal(constant.all.mae, 5 / 3);
    const one = batchQuality([7], [9]);
    assert.deepEqual(one.all, { mae: 2, rmse: 2, bias: 2, r2: null, p50: 2, p95: 2, p99: 2, max: 2 });
  });

  it('answers null for everything of an empty list, and stays JSON as it is', () => {
    const s = batchQuality([], [], 10);
    assert.deepEqual(s, { n: 0, all: NO_FIGURES, window: { size: 10, n: 0, ...NO_FIGURES } });
    const t = batchQuality([1, 2], [2, 2]);
    assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
  });

  it('rejects arrays of different lengths, non-finite values and a bad window size', () => {
    assert.throws(() => batchQuality([1, 2], [1]), RangeError);
    for (const bad of [NaN, Infinity, -Infinity, 1e200]) {
      assert.throws(() => batchQuality([1, bad], [1, 1]), RangeError, `y_true ${bad}`);
      assert.throws(() => batchQuality([1, 1], [bad, 1]), RangeError, `y_pred ${bad}`);
    }
    for (const size of [0, -1, 2.5, NaN]) assert.throws(() => batchQuality([1], [1], size), RangeError);
  });
});
