import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIMELINE_POINTS, TimelineSeries } from '../../src/core/timelineSeries.js';

/** Feeds records 1..n, keeping a point wherever the series wants one; returns how many points were computed. */
function feed(series: TimelineSeries, n: number, from = 1): number {
  let computed = 0;
  for (let r = from; r < from + n; r++)
    if (series.wants(r)) {
      computed++;
      series.add({ record: r, mae: r / 10, bias: -r / 20 });
    }
  return computed;
}

describe('TimelineSeries', () => {
  it('keeps every record while there is room', () => {
    const s = new TimelineSeries(10);
    feed(s, 9);
    assert.deepEqual(
      s.points().map((p) => p.record),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(s.every, 1);
  });

  it('drops every other point and doubles the stride when full, staying evenly spaced', () => {
    const s = new TimelineSeries(4);
    feed(s, 10);
    assert.deepEqual(
      s.points().map((p) => p.record),
      [4, 8],
    );
    assert.equal(s.every, 4);
  });

  it('stays within its bound over a million records, spanning the whole run, at a few thousand samples', () => {
    const s = new TimelineSeries();
    const computed = feed(s, 1_000_000);
    const records = s.points().map((p) => p.record);
    assert.ok(records.length <= DEFAULT_TIMELINE_POINTS && records.length >= DEFAULT_TIMELINE_POINTS / 2);
    assert.ok(records[0]! <= s.every, 'starts near the first record');
    assert.ok(1_000_000 - records.at(-1)! < s.every, 'reaches the latest stride');
    const gaps = new Set(records.slice(1).map((r, i) => r - records[i]!));
    assert.deepEqual([...gaps], [s.every], 'evenly spaced');
    assert.ok(computed < 5_000, `only the kept points are computed, got ${computed}`);
  });

  it('forgets everything on reset', () => {
    const s = new TimelineSeries(4);
    feed(s, 10);
    s.reset();
    assert.deepEqual(s.points(), []);
    assert.equal(s.every, 1);
    assert.equal(s.wants(1), true);
  });

  it('refuses fewer than two points', () => {
    assert.throws(() => new TimelineSeries(1), RangeError);
    assert.throws(() => new TimelineSeries(2.5), RangeError);
  });
});
