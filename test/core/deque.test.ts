import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../../src/core/deque.js';

describe('Deque', () => {
  it('behaves like an array used as a queue at both ends, across growth and wrap-around', () => {
    const d = new Deque<number>(2);
    const model: number[] = [];
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 20_000; i++) {
      const r = rand();
      if (r < 0.4) {
        d.push(i);
        model.push(i);
      } else if (r < 0.55) {
        d.unshift(i);
        model.unshift(i);
      } else {
        assert.equal(d.shift(), model.shift());
      }
      assert.equal(d.length, model.length);
      assert.equal(d.peek(), model[0]);
    }
    assert.deepEqual([...d], model);
  });
  it('returns undefined when empty and can be cleared', () => {
    const d = new Deque<string>();
    assert.equal(d.shift(), undefined);
    d.push('a');
    d.clear();
    assert.equal(d.length, 0);
    assert.deepEqual([...d], []);
  });
});
