import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SortedValues } from '../../src/core/sortedValues.js';
import { randomIndex, seededRandom } from '../../src/core/random.js';

const contents = (s: SortedValues): number[] => Array.from({ length: s.size }, (_, i) => s.at(i));

describe('SortedValues', () => {
  it('keeps inserted values in ascending order', () => {
    const s = new SortedValues(5);
    [5, 1, 3, 1, 4].forEach((x) => s.insert(x));
    assert.deepEqual(contents(s), [1, 1, 3, 4, 5]);
  });

  it('matches a re-sorted array through thousands of random slides, duplicates included', () => {
    const random = seededRandom(11);
    const capacity = 50;
    const s = new SortedValues(capacity);
    const ring: number[] = [];
    for (let i = 0; i < 5000; i++) {
      // Few distinct values, so that many are equal, plus some unique ones.
      const x = i % 3 === 0 ? random() * 100 : randomIndex(random, 8);
      if (ring.length < capacity) s.insert(x);
      else s.replace(ring[i % capacity]!, x);
      ring[i % capacity] = x;
      assert.deepEqual(
        contents(s),
        [...ring].sort((a, b) => a - b),
        `after value ${i}`,
      );
    }
  });

  it('replaces upwards, downwards and in place', () => {
    const s = new SortedValues(4);
    [1, 2, 3, 4].forEach((x) => s.insert(x));
    s.replace(1, 5);
    assert.deepEqual(contents(s), [2, 3, 4, 5]);
    s.replace(5, 0);
    assert.deepEqual(contents(s), [0, 2, 3, 4]);
    s.replace(3, 3);
    assert.deepEqual(contents(s), [0, 2, 3, 4]);
  });

  it('refuses to replace a value it does not hold, changing nothing', () => {
    const s = new SortedValues(3);
    [1, 2, 3].forEach((x) => s.insert(x));
    assert.throws(() => s.replace(2.5, 9), RangeError);
    assert.throws(() => s.replace(7, 0), RangeError);
    assert.throws(() => s.replace(-1, 0), RangeError);
    assert.deepEqual(contents(s), [1, 2, 3]);
  });

  it('refuses an insert when full, and ranks out of range', () => {
    const s = new SortedValues(2);
    s.insert(1);
    s.insert(2);
    assert.throws(() => s.insert(3), RangeError);
    for (const rank of [-1, 2, 0.5]) assert.throws(() => s.at(rank), RangeError);
  });

  it('starts empty again after clear, and rejects a bad capacity', () => {
    const s = new SortedValues(2);
    s.insert(1);
    s.clear();
    assert.equal(s.size, 0);
    s.insert(7);
    assert.deepEqual(contents(s), [7]);
    for (const capacity of [0, -3, 2.5, Infinity])
      assert.throws(() => new SortedValues(capacity), RangeError);
  });
});
