import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomIndex, seededRandom } from '../../src/core/random.js';
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
