import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interleave } from '../../src/core/interleave.js';

describe('interleave', () => {
  it('spreads each list evenly over the whole, keeping its order; ties go to the earlier list', () => {
    assert.deepEqual(
      interleave([
        ['a0', 'a1'],
        ['b0', 'b1', 'b2', 'b3'],
      ]),
      ['b0', 'a0', 'b1', 'b2', 'a1', 'b3'],
    );
    assert.deepEqual(
      interleave([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]),
      [1, 4, 7, 2, 5, 8, 3, 6, 9],
    );
  });

  it('passes one list through, and leaves empty lists out', () => {
    assert.deepEqual(interleave([]), []);
    assert.deepEqual(interleave([[], ['x', 'y'], []]), ['x', 'y']);
    assert.deepEqual(interleave([[], []]), []);
  });

  it('gives any tail of the result about the same share of each list as the whole', () => {
    const lists = [300, 700, 500].map((m, j) => Array.from({ length: m }, (_, i) => ({ j, i })));
    const all = interleave(lists);
    assert.equal(all.length, 1500);
    for (const [j, list] of lists.entries())
      assert.deepEqual(
        all.filter((x) => x.j === j),
        list,
        `list ${j} in order`,
      );
    // The last 150 items (a tenth) hold a tenth of each list, give or take one.
    const tail = all.slice(-150);
    for (const [j, list] of lists.entries()) {
      const share = tail.filter((x) => x.j === j).length;
      assert.ok(Math.abs(share - list.length / 10) <= 1, `list ${j}: ${share} of the last 150`);
    }
  });
});
