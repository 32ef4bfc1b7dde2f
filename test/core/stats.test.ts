import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RunningStats, regressionMetrics } from '../../src/core/stats.js';

const random = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('RunningStats', () => {
  it('summarises a few errors exactly', () => {
    const stats = new RunningStats();
    [3, 4, 0, 5].forEach((x) => stats.add(x));
    const s = stats.snapshot();
    assert.equal(s.count, 4);
    assert.equal(s.mae, 3);
    assert.equal(s.rmse, Math.sqrt(50 / 4));
    assert.equal(s.min, 0);
    assert.equal(s.max, 5);
    // Ranks floor(0.5 · 3) = 1 and floor(0.95 · 3) = 2 of [0, 3, 4, 5], to the sketch's 1 %.
    assert.ok(Math.abs(s.p50 - 3) <= 0.03, `p50 ${s.p50}`);
    assert.ok(Math.abs(s.p95 - 4) <= 0.04, `p95 ${s.p95}`);
  });

  it('reports count 0 and NaN for everything else when empty', () => {
    const s = new RunningStats().snapshot();
    assert.equal(s.count, 0);
    for (const k of ['mae', 'rmse', 'min', 'max', 'p50', 'p95'] as const) assert.ok(Number.isNaN(s[k]), k);
  });

  it('keeps p50 and p95 within 1 % of the exact quantiles', () => {
    const r = random(3);
    const values = Array.from({ length: 4000 }, () => -Math.log(1 - r()) * 25);
    const stats = new RunningStats();
    values.forEach((x) => stats.add(x));
    const sorted = [...values].sort((a, b) => a - b);
    const s = stats.snapshot();
    for (const [q, estimate] of [
      [0.5, s.p50],
      [0.95, s.p95],
    ] as const) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      assert.ok(Math.abs(estimate - exact) <= 0.01 * exact * (1 + 1e-9), `q=${q}: ${estimate} vs ${exact}`);
    }
    assert.equal(s.min, sorted[0]);
    assert.equal(s.max, sorted.at(-1));
  });

  it('keeps the mean accurate where naive summation drifts (compensated sums)', () => {
    const stats = new RunningStats();
    let naive = 1e8;
    stats.add(1e8);
    for (let i = 0; i < 100_000; i++) {
      stats.add(0.1);
      naive += 0.1;
    }
    const n = 100_001;
    // 1e8 + 1e5 · 0.1 (the double nearest 0.1 exceeds it by 5.6e-18, which vanishes at this magnitude).
    const exact = (1e8 + 1e4) / n;
    assert.ok(Math.abs(naive / n - exact) > 1e-12 * exact, 'the naive sum does drift, so this test can fail');
    assert.ok(Math.abs(stats.snapshot().mae - exact) <= 1e-15 * exact, `${stats.snapshot().mae} vs ${exact}`);
  });

  it('rejects negative and non-finite errors without counting them', () => {
    const stats = new RunningStats();
    stats.add(2);
    for (const x of [-0.5, NaN, Infinity]) assert.throws(() => stats.add(x), RangeError);
    assert.deepEqual(stats.snapshot(), { count: 1, mae: 2, rmse: 2, min: 2, max: 2, p50: 2, p95: 2 });
  });

  it('forgets everything on reset', () => {
    const stats = new RunningStats();
    [10, 20, 30].forEach((x) => stats.add(x));
    stats.reset();
    assert.equal(stats.snapshot().count, 0);
    stats.add(1);
    assert.deepEqual(stats.snapshot(), { count: 1, mae: 1, rmse: 1, min: 1, max: 1, p50: 1, p95: 1 });
  });
});

describe('regressionMetrics', () => {
  it('computes MAE, RMSE and R²', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 3, 3, 2]);
    assert.equal(m.mae, 3 / 4);
    assert.equal(m.rmse, Math.sqrt(5 / 4));
    assert.equal(m.r2, 1 - 5 / 5);
    const perfect = regressionMetrics([1, 2, 3], [1, 2, 3]);
    assert.deepEqual(perfect, { mae: 0, rmse: 0, r2: 1 });
    assert.ok(Math.abs(regressionMetrics([0, 2], [1, 1]).r2 - 0) < 1e-15);
  });

  it('follows scikit-learn for a constant truth', () => {
    assert.equal(regressionMetrics([5, 5], [5, 5]).r2, 1);
    assert.equal(regressionMetrics([5, 5], [4, 6]).r2, 0);
  });

  it('refuses empty or unequal inputs', () => {
    assert.throws(() => regressionMetrics([], []), RangeError);
    assert.throws(() => regressionMetrics([1, 2], [1]), RangeError);
  });
});
