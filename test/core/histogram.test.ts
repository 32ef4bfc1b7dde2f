import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { binExponent, ErrorHistogram, MIN_BIN_EXPONENT } from '../../src/core/histogram.js';

const random = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const shuffle = <T>(xs: T[], r: () => number): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

/** Values of mixed scales, with zeros and values exactly on bin edges among them. */
const sample = (r: () => number, n: number): number[] =>
  Array.from({ length: n }, () => {
    const kind = r();
    if (kind < 0.1) return 0;
    if (kind < 0.3) return Math.floor(r() * 64) * 2 ** Math.floor(r() * 8 - 4); // on an edge
    return r() * 10 ** Math.floor(r() * 5 - 2);
  });

const counts = (h: ErrorHistogram): number[] => h.snapshot().bins.map((b) => b.count);

describe('binExponent', () => {
  it('is the smallest k with bins · 2^k > max', () => {
    assert.equal(binExponent(19.99, 20), 0);
    assert.equal(binExponent(20, 20), 1, 'bins · w must exceed max, not equal it');
    assert.equal(binExponent(0.5, 20), -5);
    assert.equal(binExponent(1000, 10), 7);
    assert.equal(binExponent(1023.9, 8), 7);
    assert.equal(binExponent(1024, 8), 8);
  });
  it('bottoms out at MIN_BIN_EXPONENT for zero and tiny maxima', () => {
    assert.equal(binExponent(0, 20), MIN_BIN_EXPONENT);
    assert.equal(binExponent(1e-12, 20), MIN_BIN_EXPONENT);
  });
});

describe('ErrorHistogram', () => {
  it('bins [start, end) with the width following the maximum', () => {
    const h = ErrorHistogram.fromValues([0.5, 1, 3], 4);
    const s = h.snapshot();
    assert.equal(s.binWidth, 1);
    assert.equal(s.total, 3);
    assert.deepEqual(s.bins, [
      { start: 0, end: 1, count: 1 },
      { start: 1, end: 2, count: 1 },
      { start: 2, end: 3, count: 0 },
      { start: 3, end: 4, count: 1 },
    ]);
  });

  it('puts a value on a boundary in the bin it starts, and the top edge widens the range', () => {
    const h = ErrorHistogram.fromValues([0, 1, 2, 3.999999999], 4);
    assert.deepEqual(counts(h), [1, 1, 1, 1]);
    h.add(4); // 4 bins of 1 hold [0, 4): 4 needs width 2
    assert.equal(h.binWidth, 2);
    assert.deepEqual(counts(h), [2, 2, 1, 0]);
  });

  it('keeps zero-only data in the first bin of the narrowest width', () => {
    const h = ErrorHistogram.fromValues([0, 0, 0, -0], 20);
    const s = h.snapshot();
    assert.equal(s.binWidth, 2 ** MIN_BIN_EXPONENT);
    assert.equal(s.total, 4);
    assert.deepEqual(counts(h), [4, ...Array<number>(19).fill(0)]);
  });

  it('is empty with the narrowest width and every bin listed', () => {
    const s = new ErrorHistogram(5).snapshot();
    assert.equal(s.total, 0);
    assert.equal(s.bins.length, 5);
    assert.equal(s.binWidth, 2 ** MIN_BIN_EXPONENT);
  });

  it('does not depend on the order of the values (shuffles), and bins each value at floor(x / width)', () => {
    const r = random(42);
    for (let trial = 0; trial < 40; trial++) {
      const bins = 1 + Math.floor(r() * 30);
      const values = sample(r, 1 + Math.floor(r() * 300));
      const reference = ErrorHistogram.fromValues(values, bins).snapshot();
      for (let k = 0; k < 3; k++)
        assert.deepEqual(ErrorHistogram.fromValues(shuffle(values, r), bins).snapshot(), reference);
      const direct = Array<number>(bins).fill(0);
      for (const x of values) direct[Math.floor(x / reference.binWidth)]!++;
      assert.deepEqual(
        reference.bins.map((b) => b.count),
        direct,
      );
      assert.ok(bins * reference.binWidth > Math.max(...values));
      assert.equal(reference.binWidth, 2 ** binExponent(Math.max(...values), bins));
    }
  });

  it('merges exactly: the merge of two parts is the histogram of the whole', () => {
    const r = random(7);
    for (let trial = 0; trial < 30; trial++) {
      const values = sample(r, 200);
      const cut = Math.floor(r() * values.length);
      const merged = ErrorHistogram.merge(
        ErrorHistogram.fromValues(values.slice(0, cut), 16),
        ErrorHistogram.fromValues(values.slice(cut), 16),
      );
      assert.deepEqual(merged.snapshot(), ErrorHistogram.fromValues(values, 16).snapshot());
    }
  });

  it('merges histograms of very different widths', () => {
    const small = ErrorHistogram.fromValues([0.001, 0.002], 10);
    const large = ErrorHistogram.fromValues([900], 10);
    const merged = ErrorHistogram.merge(small, large);
    assert.equal(merged.binWidth, 128);
    assert.deepEqual(counts(merged), [2, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    assert.throws(() => ErrorHistogram.merge(small, new ErrorHistogram(11)), RangeError);
  });

  it('rejects negative, non-finite and unbinnably large values without counting them', () => {
    const h = ErrorHistogram.fromValues([1], 4);
    for (const x of [-1, NaN, Infinity, -Infinity, Number.MAX_VALUE])
      assert.throws(() => h.add(x), RangeError, String(x));
    assert.deepEqual(h.snapshot(), ErrorHistogram.fromValues([1], 4).snapshot());
    for (const bins of [0, -1, 2.5, NaN]) assert.throws(() => new ErrorHistogram(bins), RangeError);
  });

  it('forgets everything on reset', () => {
    const h = ErrorHistogram.fromValues([100, 3], 8);
    h.reset();
    assert.deepEqual(h.snapshot(), new ErrorHistogram(8).snapshot());
    h.add(3);
    assert.equal(h.binWidth, 0.5);
  });
});
