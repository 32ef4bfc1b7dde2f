import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QuantileSketch } from '../../src/core/quantileSketch.js';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failure can be replayed. */
const random = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
const exactQuantile = (sorted: number[], q: number): number => sorted[Math.floor(q * (sorted.length - 1))]!;

/** Asserts the documented guarantee for every q in QS. */
function assertWithinBound(sketch: QuantileSketch, values: number[], alpha: number): void {
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QS) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q);
    assert.ok(
      Math.abs(estimate - exact) <= alpha * exact * (1 + 1e-9),
      `q=${q}: estimate ${estimate}, exact ${exact}, relative error ${Math.abs(estimate - exact) / exact}`,
    );
  }
}

describe('QuantileSketch', () => {
  const distributions: [string, (r: () => number) => number][] = [
    ['uniform', (r) => r() * 100],
    ['exponential', (r) => -Math.log(1 - r()) * 40],
    ['log-uniform over 12 decades', (r) => 10 ** (r() * 12 - 6)],
  ];
  for (const [name, draw] of distributions) {
    it(`keeps every quantile of ${name} data within 1 % of the exact one`, () => {
      const r = random(name.length);
      const values = Array.from({ length: 5000 }, () => draw(r));
      const sketch = new QuantileSketch();
      values.forEach((x) => sketch.add(x));
      assert.equal(sketch.count, 5000);
      assertWithinBound(sketch, values, 0.01);
    });
  }

  it('honours a coarser relative accuracy', () => {
    const r = random(7);
    const values = Array.from({ length: 2000 }, () => r() * 1000);
    const sketch = new QuantileSketch({ relativeAccuracy: 0.05 });
    values.forEach((x) => sketch.add(x));
    assertWithinBound(sketch, values, 0.05);
  });

  it('is not exact (the test above could fail): a coarse sketch misses some quantile', () => {
    const r = random(8);
    const values = Array.from({ length: 2000 }, () => r() * 1000);
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = new QuantileSketch({ relativeAccuracy: 0.05 });
    values.forEach((x) => sketch.add(x));
    assert.ok(QS.some((q) => sketch.quantile(q) !== exactQuantile(sorted, q)));
  });

  it('answers zeros exactly', () => {
    const sketch = new QuantileSketch();
    for (let i = 0; i < 10; i++) sketch.add(0);
    assert.equal(sketch.quantile(0.5), 0);
    assert.equal(sketch.quantile(1), 0);
    for (let i = 1; i <= 10; i++) sketch.add(i);
    assert.equal(sketch.quantile(0.25), 0, 'a quarter of the way is still among the zeros');
    assertWithinBound(sketch, [...Array<number>(10).fill(0), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.01);
  });

  it('answers a single value exactly at every q', () => {
    const sketch = new QuantileSketch();
    sketch.add(12.27012342398);
    for (const q of QS) assert.equal(sketch.quantile(q), 12.27012342398);
  });

  it('answers NaN when empty, and again after reset', () => {
    const sketch = new QuantileSketch();
    assert.ok(Number.isNaN(sketch.quantile(0.5)));
    sketch.add(3);
    sketch.reset();
    assert.equal(sketch.count, 0);
    assert.ok(Number.isNaN(sketch.quantile(0.5)));
    sketch.add(5);
    assert.equal(sketch.quantile(0.5), 5);
  });

  it('rejects negative and non-finite values, counting nothing, and q outside [0, 1]', () => {
    const sketch = new QuantileSketch();
    for (const x of [-1, -1e-300, NaN, Infinity, -Infinity]) assert.throws(() => sketch.add(x), RangeError);
    assert.equal(sketch.count, 0);
    sketch.add(1);
    for (const q of [-0.1, 1.1, NaN]) assert.throws(() => sketch.quantile(q), RangeError);
    assert.throws(() => new QuantileSketch({ relativeAccuracy: 0 }), RangeError);
    assert.throws(() => new QuantileSketch({ maxBuckets: 0 }), RangeError);
  });

  it('bounds memory by collapsing its lowest buckets: high quantiles stay accurate, low ones are over-estimated', () => {
    const values = Array.from({ length: 400 }, (_, i) => 1.1 ** i); // a ratio of 1e16: buckets span a ratio of only 1.0202^64 ≈ 3.6
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = new QuantileSketch({ maxBuckets: 64 });
    values.forEach((x) => sketch.add(x));
    for (const q of [0.99, 0.999, 1]) {
      const exact = exactQuantile(sorted, q);
      assert.ok(Math.abs(sketch.quantile(q) - exact) <= 0.01 * exact * (1 + 1e-9), `q=${q}`);
    }
    assert.equal(sketch.quantile(0), 1, 'the exact minimum is kept');
    const low = exactQuantile(sorted, 0.1);
    assert.ok(sketch.quantile(0.1) > low * 1.01, 'a collapsed quantile loses its accuracy');
    assert.ok(sketch.quantile(0.1) <= sorted.at(-1)!);
  });
});
