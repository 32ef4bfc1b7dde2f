import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentKeys } from '../../src/core/recentKeys.js';

describe('RecentKeys', () => {
  it('never forgets one of the last `capacity` keys, and forgets what is older than twice that', () => {
    const capacity = 50_000;
    const keys = new RecentKeys(capacity);
    const key = (i: number): string => `k3v9q2m1xa-${i}`;
    for (let i = 0; i < 5 * capacity; i++) {
      keys.add(key(i));
      if (i % 997 === 0)
        for (let back = 0; back < capacity && back <= i; back += 4_999)
          assert.ok(keys.has(key(i - back)), `key ${i - back} known after adding ${i}`);
    }
    for (let i = 0; i < 2 * capacity; i++) assert.equal(keys.has(key(i)), false, `key ${i} forgotten`);
    assert.ok(keys.has(key(5 * capacity - 1)));
  });

  it('says no for keys never added, whatever its filters answer, including near misses', () => {
    const keys = new RecentKeys(100_000);
    for (let i = 0; i < 100_000; i++) keys.add(`run-${i}`);
    let wrong = 0;
    for (let i = 100_000; i < 300_000; i++) if (keys.has(`run-${i}`)) wrong++;
    for (const near of ['run-', 'run-1 ', 'Run-1', 'run-01', '', 'run-99999x']) if (keys.has(near)) wrong++;
    assert.equal(wrong, 0);
  });

  it('remembers nothing with capacity 0, and nothing after clear()', () => {
    const none = new RecentKeys(0);
    none.add('a');
    assert.equal(none.has('a'), false);
    const keys = new RecentKeys(2);
    for (const k of ['a', 'b', 'c']) keys.add(k);
    assert.ok(keys.has('a') && keys.has('c'));
    keys.clear();
    assert.equal(keys.has('a') || keys.has('b') || keys.has('c'), false);
  });

  it('tells apart keys that differ in any character, non-ASCII included', () => {
    const keys = new RecentKeys(10);
    keys.add('é-1');
    keys.add('\u0000' + '17');
    assert.ok(keys.has('é-1'));
    assert.ok(keys.has('\u000017'));
    assert.equal(keys.has('e-1'), false);
    assert.equal(keys.has('17'), false);
  });
});

describe('RecentKeys, hash collisions', () => {
  it('keeps apart different keys whose hashes collide, and takes a known key again without harm', () => {
    // FNV-1a collisions found by brute force would be fragile to keep here; instead, many keys that share
    // long prefixes and suffixes crowd the same probe runs, and every one must still be told apart.
    const keys = new RecentKeys(1_000_000);
    const all: string[] = [];
    for (let i = 0; i < 200_000; i++) all.push(`${i % 7}-x-${i}-y-${i % 13}`);
    for (const k of all) keys.add(k);
    for (const k of all) keys.add(k); // again: no growth, no duplicates
    for (const k of all) assert.ok(keys.has(k), k);
    for (let i = 200_000; i < 210_000; i++) assert.equal(keys.has(`${i % 7}-x-${i}-y-${i % 13}`), false);
  });
});
