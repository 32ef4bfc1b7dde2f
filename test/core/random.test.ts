import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomIndex, rowForSequence, seededRandom } from '../../src/core/random.js';
import { newRunId, recordId } from '../../src/core/recordIds.js';

describe('seededRandom', () => {
  it('repeats for one seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xa = Array.from({ length: 100 }, a);
    assert.deepEqual(xa, Array.from({ length: 100 }, b));
    assert.notDeepEqual(xa, Array.from({ length: 100 }, c));
  });
  it('is roughly uniform over [0, 1) and indexes every row', () => {
    const r = seededRandom(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
      const k = randomIndex(r, 10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const n of counts) assert.ok(n > 9_000 && n < 11_000, `bucket count ${n}`);
  });
});

describe('record ids', () => {
  it('are distinct across runs and within a run', () => {
    const runs = new Set(Array.from({ length: 1000 }, newRunId));
    assert.equal(runs.size, 1000);
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => recordId('r', i)));
    assert.equal(ids.size, 10_000);
  });
});

describe('rowForSequence', () => {
  it('is a pure function of seed and sequence, spread evenly over the rows', () => {
    const counts = new Array<number>(442).fill(0);
    for (let s = 0; s < 442_000; s++) {
      const r = rowForSequence(9, s, 442);
      assert.equal(r, rowForSequence(9, s, 442));
      counts[r] = (counts[r] ?? 0) + 1;
    }
    for (const n of counts) assert.ok(n > 800 && n < 1200, `row count ${n}`);
    const a = Array.from({ length: 50 }, (_, s) => rowForSequence(1, s, 442));
    const b = Array.from({ length: 50 }, (_, s) => rowForSequence(2, s, 442));
    assert.notDeepEqual(a, b, 'seeds give different streams');
  });
});
