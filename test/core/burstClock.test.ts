import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { burstClock } from '../../src/core/burstClock.js';
import { sleep } from '../../harness/poll.js';

describe('burstClock', () => {
  it('reads the clock once per synchronous burst, and again after a microtask checkpoint', async () => {
    let reads = 0;
    let t = 100;
    const clock = burstClock(() => {
      reads++;
      return t;
    });
    assert.equal(clock(), 100);
    t = 105;
    assert.equal(clock(), 100, 'same burst: the time read first');
    assert.equal(reads, 1);
    await Promise.resolve();
    assert.equal(clock(), 105, 'a new burst reads the clock again');
    assert.equal(reads, 2);
  });

  it('defaults to the wall clock, never ahead of it', async () => {
    const clock = burstClock();
    const before = Date.now();
    const read = clock();
    assert.ok(read >= before && read <= Date.now());
    await sleep(5);
    assert.ok(clock() >= before + 4, 'a later burst sees later time');
  });
});
