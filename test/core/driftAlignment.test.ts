/**
 * DriftAlignment: a drift body counts once the records it describes are joined (all replicas' vectors, shared among
 * the partitions), or after the longest wait; bodies without `seen` count at once; a stopping metric takes them all.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { driftBody, type DriftBody } from '../../src/core/driftBody.js';
import { DriftAlignment } from '../../src/core/driftAlignment.js';

const body = (source: string, seen?: number): DriftBody => ({
  source,
  window: 1000,
  n: 10,
  counts: { x: [5, 5] },
  ...(seen === undefined ? {} : { seen }),
});
const sources = (due: { body: DriftBody }[]): string[] => due.map((d) => `${d.body.source}@${d.body.seen}`);

describe('DriftAlignment', () => {
  it('holds a body until the joined records reach the vectors its replica predicted', () => {
    const align = new DriftAlignment({ forgetMs: 60_000, maxWaitMs: 5_000 });
    assert.deepEqual(align.hold(body('m', 10_250), 0), []);
    assert.deepEqual(align.release(10_249, 100), []);
    assert.equal(align.held, 1);
    assert.deepEqual(sources(align.release(10_250, 200)), ['m@10250']);
    assert.equal(align.held, 0);
    assert.deepEqual(align.release(20_000, 300), [], 'released once only');
  });

  it('counts the vectors of every live replica, and forgets a replica not heard from', () => {
    const align = new DriftAlignment({ forgetMs: 1_000, maxWaitMs: 60_000 });
    align.hold(body('a', 600), 0);
    align.hold(body('b', 500), 0);
    assert.deepEqual(align.release(599, 5), []);
    assert.deepEqual(sources(align.release(1_000, 10)), ['a@600'], '1,000 joined of 1,100 predicted by both');
    assert.deepEqual(sources(align.release(1_100, 20)), ['b@500']);
    align.hold(body('a', 900), 1_500);
    // b, last heard at 0, is forgotten: only a's 900 vectors are waited for.
    assert.deepEqual(sources(align.release(900, 1_600)), ['a@900']);
  });

  it('shares the vectors among the partitions', () => {
    const align = new DriftAlignment({ forgetMs: 60_000, partitions: 3 });
    align.hold(body('m', 3_000), 0);
    assert.deepEqual(align.release(999, 1), []);
    assert.deepEqual(sources(align.release(1_000, 2)), ['m@3000']);
  });

  it('releases each body as the join reaches it, while the model keeps running ahead', () => {
    const align = new DriftAlignment({ forgetMs: 60_000, maxWaitMs: 5_000 });
    for (let seen = 250; seen <= 1_000; seen += 250) align.hold(body('m', seen), seen);
    assert.deepEqual(sources(align.release(499, 1_000)), ['m@250']);
    assert.deepEqual(sources(align.release(760, 1_001)), ['m@500', 'm@750']);
    assert.equal(align.held, 1);
    assert.deepEqual(sources(align.release(0, 1_000 + 5_000)), ['m@1000'], 'or once it has waited 5 s');
  });

  it('holds at most maxHeld bodies, releasing the oldest early', () => {
    const align = new DriftAlignment({ forgetMs: 60_000, maxHeld: 2 });
    assert.deepEqual(align.hold(body('m', 100), 0), []);
    assert.deepEqual(align.hold(body('m', 200), 1), []);
    assert.deepEqual(sources(align.hold(body('m', 300), 2)), ['m@100']);
    assert.equal(align.held, 2);
  });

  it('keeps the order heard when a restarted replica’s bodies are due before older ones', () => {
    const align = new DriftAlignment({ forgetMs: 60_000 });
    align.hold(body('m', 5_000), 0);
    align.hold(body('m', 100), 1); // restarted: counts from 0 again
    assert.deepEqual(sources(align.release(100, 2)), ['m@5000', 'm@100']);
  });

  it('passes a body without `seen` at once, and gives every held body to a stopping metric', () => {
    const align = new DriftAlignment({ forgetMs: 60_000 });
    assert.deepEqual(sources(align.hold(body('old'), 5)), ['old@undefined']);
    align.hold(body('b', 50), 2);
    align.hold(body('a', 50), 1);
    assert.deepEqual(sources(align.releaseAll()), ['b@50', 'a@50'], 'in the order heard');
    assert.equal(align.held, 0);
  });

  it('refuses a partition count that is not a whole number of at least 1', () => {
    for (const partitions of [0, 1.5, Number.NaN])
      assert.throws(() => new DriftAlignment({ forgetMs: 1, partitions }), RangeError);
  });
});

describe('driftBody `seen`', () => {
  it('is optional, kept when given, and refused when below n or not a whole count', () => {
    const plain = body('m');
    assert.deepEqual(driftBody(plain), { ok: true, value: plain });
    assert.deepEqual(driftBody(body('m', 10)), { ok: true, value: body('m', 10) });
    for (const seen of [9, -1, 10.5, '11', null]) {
      const result = driftBody({ ...plain, seen });
      assert.equal(result.ok, false, `seen ${String(seen)}`);
      if (!result.ok) assert.match(result.reason, /body\.seen must be an integer of at least body\.n/);
    }
  });
});
