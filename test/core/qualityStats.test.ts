import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchQuality } from '../../src/core/batchQuality.js';
import { NO_FIGURES, type QualityFigures } from '../../src/core/quality.js';
import { QualityStats } from '../../src/core/qualityStats.js';
import { seededRandom, type Random } from '../../src/core/random.js';

/** Records at the diabetes data set's scale: y_true in 25..346, errors mostly tens, up to ~200, biased by +5. */
function diabetesLike(random: Random, n: number): { yTrue: number[]; yPred: number[] } {
  const yTrue: number[] = [];
  const yPred: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = 25 + random() * 321;
    const u = random() * 2 - 1;
    yTrue.push(y);
    yPred.push(y + 5 + 195 * u * u * u);
  }
  return { yTrue, yPred };
}

/**
 * Asserts `actual` equals the batch figures `expected` to `tolerance`, relative: MAE and RMSE to themselves, the
 * bias to the MAE (it may be near 0, while its rounding is of the size of the MAE's), R² through `1 − R² =
 * SSE/SST` (R² may be near 0 too). Percentiles and max must be equal, or within `alpha` relative if given (a
 * sketch's accuracy).
 */
function assertAgrees(
  actual: QualityFigures,
  expected: QualityFigures,
  where: string,
  tolerance: number,
  alpha?: number,
): void {
  const { mae, rmse, bias, r2 } = expected;
  if (mae === null || rmse === null || bias === null) return assert.deepEqual(actual, expected, where);
  const close = (a: number | null, b: number, scale: number, key: string): void =>
    assert.ok(a !== null && Math.abs(a - b) <= tolerance * scale, `${where}: ${key} ${a} vs ${b}`);
  close(actual.mae, mae, mae, 'mae');
  close(actual.rmse, rmse, rmse, 'rmse');
  close(actual.bias, bias, mae, 'bias');
  if (r2 === null || actual.r2 === null) assert.equal(actual.r2, r2, `${where}: r2`);
  else close(1 - actual.r2, 1 - r2, 1 - r2, 'r2');
  for (const key of ['p50', 'p95', 'p99', 'max'] as const) {
    const a = actual[key];
    const b = expected[key]!;
    if (alpha === undefined || key === 'max') assert.equal(a, b, `${where}: ${key}`);
    else assert.ok(a !== null && Math.abs(a - b) <= alpha * b * (1 + 1e-9), `${where}: ${key} ${a} vs ${b}`);
  }
}

const repeat = (x: number, times: number): number[] => Array.from({ length: times }, () => x);

/** Feeds `yTrue`/`yPred` one record at a time, calling `check(count)` after each record. */
function feed(stats: QualityStats, yTrue: number[], yPred: number[], check: (count: number) => void): void {
  yTrue.forEach((y, i) => {
    stats.add(y, yPred[i]!);
    check(i + 1);
  });
}

/** Checks the window against a batch computation over its records only (cheap enough for every record). */
function assertWindowExact(stats: QualityStats, yTrue: number[], yPred: number[], count: number): void {
  const size = stats.windowSize;
  const start = Math.max(0, count - size);
  const expected = batchQuality(yTrue.slice(start, count), yPred.slice(start, count), size);
  const { window } = stats.snapshot();
  assert.equal(window.size, size);
  assert.equal(window.n, count - start, `window n after ${count}`);
  assertAgrees(window, expected.all, `window after ${count}`, 1e-12);
}

describe('QualityStats', () => {
  it('answers null for every figure before the first record, as JSON as it stands', () => {
    const s = new QualityStats().snapshot();
    assert.deepEqual(s, { n: 0, all: NO_FIGURES, window: { size: 1000, n: 0, ...NO_FIGURES } });
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });

  it('agrees with the batch figures while the window is still filling', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(1), 600);
    const stats = new QualityStats({ windowSize: 1000 });
    feed(stats, yTrue, yPred, (count) => {
      const expected = batchQuality(yTrue.slice(0, count), yPred.slice(0, count), 1000);
      const s = stats.snapshot();
      assert.equal(s.n, count);
      assertAgrees(s.all, expected.all, `all after ${count}`, 1e-12, 0.01);
      assertAgrees(s.window, expected.all, `window after ${count}`, 1e-12);
      assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
    });
  });

  it('stays exact over a window that wraps a hundred times', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(2), 10_000);
    const stats = new QualityStats({ windowSize: 100 });
    feed(stats, yTrue, yPred, (count) => {
      assertWindowExact(stats, yTrue, yPred, count);
      if (count % 997 === 0) {
        const expected = batchQuality(yTrue.slice(0, count), yPred.slice(0, count), 100);
        assertAgrees(stats.snapshot().all, expected.all, `all after ${count}`, 1e-12, 0.01);
      }
    });
    assert.notDeepEqual(
      stats.snapshot().window,
      stats.snapshot().all,
      'the window is not all-time in disguise',
    );
  });

  it('skips only the order statistics when a snapshot does not ask for them, and sorts the window again after new records', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(5), 2_500);
    const stats = new QualityStats({ windowSize: 300 });
    feed(stats, yTrue, yPred, (count) => {
      if (count % 250 !== 0) return;
      const full = stats.snapshot();
      const lean = stats.snapshot({ orderStatistics: false });
      for (const scope of ['all', 'window'] as const) {
        const max = scope === 'window' ? full[scope].max : lean[scope].max;
        assert.deepEqual(
          { ...lean[scope], p50: full[scope].p50, p95: full[scope].p95, p99: full[scope].p99, max },
          full[scope],
          `${scope} after ${count}: only the order statistics differ`,
        );
        assert.deepEqual([lean[scope].p50, lean[scope].p95, lean[scope].p99], [null, null, null]);
      }
      assert.equal(lean.window.max, null, "the window's max needs a scan: skipped");
      assert.equal(lean.all.max, full.all.max, 'the all-time max is kept: it costs nothing');
      assertWindowExact(stats, yTrue, yPred, count);
    });
  });

  it('holds exactly the last record in a window of one', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(3), 50);
    const stats = new QualityStats({ windowSize: 1 });
    feed(stats, yTrue, yPred, (count) => {
      const e = yPred[count - 1]! - yTrue[count - 1]!;
      const abs = Math.abs(e);
      assert.deepEqual(stats.snapshot().window, {
        size: 1,
        n: 1,
        mae: abs,
        rmse: abs,
        bias: e,
        r2: null,
        p50: abs,
        p95: abs,
        p99: abs,
        max: abs,
      });
    });
  });

  it('answers null for R² exactly while the target in scope is constant', () => {
    const random = seededRandom(4);
    // All-time constant, then varying, then constant again for longer than the window (10).
    const yTrue = [...repeat(150, 30), 80, 310, 95, 200, ...repeat(123.4, 25)];
    const yPred = yTrue.map((y) => y + (random() - 0.5) * 40);
    const stats = new QualityStats({ windowSize: 10 });
    feed(stats, yTrue, yPred, (count) => {
      const s = stats.snapshot();
      const expected = batchQuality(yTrue.slice(0, count), yPred.slice(0, count), 10);
      assert.equal(s.all.r2 === null, count <= 30, `all-time r2 after ${count}: ${s.all.r2}`);
      assert.equal(s.window.r2 === null, count <= 30 || count >= 34 + 10, `window r2 after ${count}`);
      assertAgrees(s.all, expected.all, `all after ${count}`, 1e-12, 0.01);
      assertWindowExact(stats, yTrue, yPred, count);
    });
  });

  it('keeps R² exact when the target sits far from 0 or jumps by many of its standard deviations', () => {
    const random = seededRandom(5);
    // A spread of about 1 around 100, then around 1e6: SST from Σy² − (Σy)²/n, or around a stale shift, would
    // lose about (level / spread)² · 1e-16 of its value, far more than the tolerance.
    const yTrue = Array.from({ length: 3000 }, (_, i) => (i < 1100 ? 100 : 1e6) + random() * 3);
    const yPred = yTrue.map((y) => y + random() - 0.5);
    const stats = new QualityStats({ windowSize: 200 });
    feed(stats, yTrue, yPred, (count) => assertWindowExact(stats, yTrue, yPred, count));

    const high = Array.from({ length: 5000 }, () => 1e7 + random() * 3);
    const highPred = high.map((y) => y + random() - 0.5);
    const highStats = new QualityStats({ windowSize: 200 });
    feed(highStats, high, highPred, () => undefined);
    const expected = batchQuality(high, highPred, 200);
    assertAgrees(highStats.snapshot().all, expected.all, 'all around 1e7', 1e-9, 0.01);
    assertAgrees(highStats.snapshot().window, expected.window, 'window around 1e7', 1e-9);
  });

  it('keeps every figure within 1e-9 of the batch one after 200,000 diabetes-scale records', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(6), 200_000);
    const stats = new QualityStats();
    const checkpoints = new Set([1000, 54_321, 123_457, 199_999, 200_000]);
    feed(stats, yTrue, yPred, (count) => {
      if (!checkpoints.has(count)) return;
      const expected = batchQuality(yTrue.slice(0, count), yPred.slice(0, count));
      const s = stats.snapshot();
      assertAgrees(s.all, expected.all, `all after ${count}`, 1e-9, 0.01);
      assertAgrees(s.window, expected.window, `window after ${count}`, 1e-9);
    });
  });

  it('keeps the window exact after a burst of huge errors has left it', () => {
    const random = seededRandom(7);
    // Errors of ~1e8 for 50 records, then ~1e-3: a plain add/subtract chain keeps ~1e-8 of garbage per sum.
    const yTrue = Array.from({ length: 2000 }, () => 25 + random() * 321);
    const yPred = yTrue.map((y, i) => y + (i >= 500 && i < 550 ? 1e8 : 1e-3) * (random() - 0.3));
    const stats = new QualityStats({ windowSize: 300 });
    feed(stats, yTrue, yPred, (count) => assertWindowExact(stats, yTrue, yPred, count));
  });

  it('keeps the all-time percentiles within the sketch accuracy, and takes sketch options', () => {
    const { yTrue, yPred } = diabetesLike(seededRandom(8), 20_000);
    const expected = batchQuality(yTrue, yPred).all;
    for (const alpha of [0.01, 0.05]) {
      const stats = new QualityStats({ sketch: { relativeAccuracy: alpha } });
      feed(stats, yTrue, yPred, () => undefined);
      const all = stats.snapshot().all;
      assertAgrees(all, expected, `alpha ${alpha}`, 1e-12, alpha);
      if (alpha === 0.05)
        assert.ok(all.p50 !== expected.p50 || all.p95 !== expected.p95, 'the coarse sketch is not exact');
    }
  });

  it('rejects non-finite input without counting it', () => {
    const stats = new QualityStats({ windowSize: 3 });
    stats.add(100, 110);
    stats.add(200, 180);
    const before = stats.snapshot();
    for (const bad of [NaN, Infinity, -Infinity, 1e300]) {
      assert.throws(() => stats.add(bad, 100), RangeError, `y_true ${bad}`);
      assert.throws(() => stats.add(100, bad), RangeError, `y_pred ${bad}`);
    }
    assert.deepEqual(stats.snapshot(), before);
    stats.add(300, 300);
    assert.equal(stats.snapshot().window.mae, 10);
  });

  it('takes a window size that is a positive integer, 1000 by default', () => {
    assert.equal(new QualityStats().windowSize, 1000);
    for (const windowSize of [0, -5, 2.5, NaN, Infinity])
      assert.throws(() => new QualityStats({ windowSize }), RangeError, String(windowSize));
  });
});
