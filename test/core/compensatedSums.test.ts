import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompensatedSums } from '../../src/core/compensatedSums.js';

describe('CompensatedSums', () => {
  it('keeps the small terms a plain sum loses to a large one', () => {
    const sums = new CompensatedSums(1);
    const terms = new Float64Array(1);
    let naive = 0;
    for (const x of [1e16, 1, 1, 1, -1e16]) {
      terms[0] = x;
      sums.add(terms);
      naive += x;
    }
    assert.equal(naive, 0, 'the plain sum does lose them, so this test can fail');
    assert.equal(sums.value(0), 3);
  });

  it('sums each slot on its own', () => {
    const sums = new CompensatedSums(3);
    sums.add(Float64Array.of(1, 2, 3));
    sums.add(Float64Array.of(10, 20, 30));
    assert.deepEqual([sums.value(0), sums.value(1), sums.value(2)], [11, 22, 33]);
  });

  it('removes subtracted terms without drift, over a long sliding window', () => {
    // A window of 10 slides over 100,000 terms of 0.1 after one of 1e8: only the 0.1s remain.
    const sums = new CompensatedSums(1);
    const terms = new Float64Array(1);
    const values = [1e8, ...Array.from({ length: 100_000 }, () => 0.1)];
    let naive = 0;
    values.forEach((x, i) => {
      terms[0] = x;
      sums.add(terms);
      naive += x;
      if (i >= 10) {
        terms[0] = values[i - 10]!;
        sums.subtract(terms);
        naive -= values[i - 10]!;
      }
    });
    const exact = 10 * 0.1;
    assert.ok(Math.abs(naive - exact) > 1e-9, `the plain sum drifts (${naive}), so this test can fail`);
    assert.ok(Math.abs(sums.value(0) - exact) <= 1e-15, `${sums.value(0)}`);
  });

  it('estimates its error: small for plain data, large once huge terms have come and gone', () => {
    const sums = new CompensatedSums(1);
    const terms = new Float64Array(1);
    const push = (x: number, sign: 1 | -1 = 1): void => {
      terms[0] = x;
      if (sign === 1) sums.add(terms);
      else sums.subtract(terms);
    };
    for (let i = 1; i <= 1000; i++) push(i);
    assert.ok(sums.errorEstimate(0) <= 1e-15 * 500_500, `plain data: ${sums.errorEstimate(0)}`);
    // 1e20 and 3e20 arrive and leave; the sum is 500,500 again but may carry up to ~u²·k·8e20 of them.
    push(1e20);
    push(3e20);
    push(1e20, -1);
    push(3e20, -1);
    assert.ok(Math.abs(sums.value(0) - 500_500) <= sums.errorEstimate(0), 'the estimate covers the error');
    assert.ok(sums.errorEstimate(0) > 1e-15 * 500_500, `after the burst: ${sums.errorEstimate(0)}`);
  });

  it('is 0 again after reset', () => {
    const sums = new CompensatedSums(2);
    sums.add(Float64Array.of(1e16, 1));
    sums.add(Float64Array.of(1, 1));
    sums.reset();
    assert.deepEqual([sums.value(0), sums.value(1)], [0, 0]);
    sums.add(Float64Array.of(5, 6));
    assert.deepEqual([sums.value(0), sums.value(1)], [5, 6]);
  });

  it('rejects a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, NaN]) assert.throws(() => new CompensatedSums(size), RangeError);
  });
});
