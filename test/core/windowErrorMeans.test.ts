/** WindowErrorMeans: the window's mean |error| and bias against a batch computation over the last N records. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowErrorMeans } from '../../src/core/windowErrorMeans.js';
import { seededRandom } from '../../src/core/random.js';

/** Mean |e| and mean e of the last `size` pairs, computed afresh. */
function batch(pairs: readonly (readonly [number, number])[], size: number): { mae: number; bias: number } {
  const last = pairs.slice(-size);
  const errors = last.map(([t, p]) => p - t);
  return {
    mae: errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length,
    bias: errors.reduce((s, e) => s + e, 0) / errors.length,
  };
}

describe('WindowErrorMeans', () => {
  it('equals a batch computation over the last N records, before and after the window wraps', () => {
    const random = seededRandom(7);
    for (const size of [1, 2, 7, 1000]) {
      const w = new WindowErrorMeans(size);
      const pairs: [number, number][] = [];
      for (let i = 0; i < 3 * size + 5; i++) {
        // A level that moves, so that an error left in the sums would show.
        const pair: [number, number] = [100 + i, 100 + i + (random() - 0.3) * 50 * (1 + (i % 13))];
        pairs.push(pair);
        w.add(...pair);
        const want = batch(pairs, size);
        assert.equal(w.count, i + 1);
        assert.ok(
          Math.abs(w.mae - want.mae) <= 1e-12 * want.mae,
          `size ${size}, record ${i}: mae ${w.mae} vs ${want.mae}`,
        );
        assert.ok(
          Math.abs(w.bias - want.bias) <= 1e-12 * want.mae,
          `size ${size}, record ${i}: bias ${w.bias} vs ${want.bias}`,
        );
      }
    }
  });

  it('forgets a huge error at most N records after it left the window (the sums are recomputed)', () => {
    const w = new WindowErrorMeans(3);
    w.add(0, 1e12 + 0.3);
    for (let i = 0; i < 6; i++) w.add(10, 12.1);
    assert.ok(Math.abs(w.mae - 2.1) <= 1e-12 * 2.1, String(w.mae));
    assert.ok(Math.abs(w.bias - 2.1) <= 1e-12 * 2.1, String(w.bias));
  });

  it('refuses non-finite values and adds nothing, and a window size that is not a positive integer', () => {
    const w = new WindowErrorMeans(4);
    w.add(1, 3);
    for (const [t, p] of [
      [Number.NaN, 1],
      [1, Infinity],
      [1e200, 1],
    ] as const)
      assert.throws(() => w.add(t, p), RangeError);
    assert.equal(w.count, 1);
    assert.equal(w.mae, 2);
    assert.ok(Number.isNaN(new WindowErrorMeans(2).mae), 'no records: no mean');
    for (const bad of [0, -1, 2.5]) assert.throws(() => new WindowErrorMeans(bad), RangeError);
  });
});
