import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { of, Subject, throwError, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { combineById, type JoinEvent } from '../../src/core/combineById.js';

// Lower-case items arrive on the left, upper-case ones on the right; both are keyed by the lower-case letter.
const byLetter = { left: (l: string) => l, right: (r: string) => r.toLowerCase() };
type Event = JoinEvent<string, string>;
const sideOf = (item: string) => (item === item.toLowerCase() ? 'left' : 'right');

const joined = (key: string, pending: number): Event => ({
  kind: 'joined',
  key,
  left: key,
  right: key.toUpperCase(),
  pending,
});
const unmatched = (item: string, reason: 'ttl' | 'capacity' | 'completed', pending: number): Event => ({
  kind: 'unmatched',
  key: item.toLowerCase(),
  side: sideOf(item),
  item,
  reason,
  pending,
});
const duplicate = (item: string, pending: number, waiting = false): Event => ({
  kind: 'duplicate',
  key: item.toLowerCase(),
  side: sideOf(item),
  item,
  waiting,
  pending,
});

const testScheduler = () => new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));

/** Wraps a scheduler to see how many timers the operator keeps, and whether they outlive it. */
class CountingScheduler implements SchedulerLike {
  scheduled = 0;
  fired = 0;
  live = 0;
  maxLive = 0;
  constructor(private readonly inner: SchedulerLike) {}
  now(): number {
    return this.inner.now();
  }
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    this.scheduled++;
    this.maxLive = Math.max(this.maxLive, ++this.live);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        this.live--;
      }
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const counter = this;
    const action = this.inner.schedule<T>(
      function (this: SchedulerAction<T>, s?: T) {
        counter.fired++;
        settle();
        work.call(this, s);
      },
      delay,
      state,
    );
    action.add(settle);
    return action;
  }
}

describe('combineById', () => {
  it('joins each key once, whichever side comes first', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const left = cold('  a---b--c---|');
      const right = cold(' --A--C---B-|');
      const expected = '   --x----y-z-|';
      const subs = '       ^----------!';
      expectObservable(combineById(left, right, byLetter)).toBe(expected, {
        x: joined('a', 0),
        y: joined('c', 1),
        z: joined('b', 0),
      });
      expectSubscriptions(left.subscriptions).toBe(subs);
      expectSubscriptions(right.subscriptions).toBe(subs);
    });
  });

  it('reports redeliveries of a joined key and second arrivals of a waiting one as duplicates', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a-a---a-|');
      const right = cold(' ---A-A--|');
      const expected = '   --dj-De-|';
      expectObservable(combineById(left, right, byLetter)).toBe(expected, {
        d: duplicate('a', 1, true),
        j: joined('a', 0),
        D: duplicate('A', 0),
        e: duplicate('a', 0),
      });
    });
  });

  it('treats keys joined before the subscription as duplicates', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  b-a--|');
      const right = cold(' -B--A|');
      const expected = '   xy--j|';
      expectObservable(combineById(left, right, byLetter, { alreadyJoined: new Set(['b']) })).toBe(expected, {
        x: duplicate('b', 0),
        y: duplicate('B', 0),
        j: joined('a', 0),
      });
    });
  });

  it('remembers at least the last rememberJoined keys, and forgets older ones', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a-b-a-c---a--|');
      const right = cold(' -A-B-----C-A-|');
      const expected = '   -x-yd----w-z-|';
      // Remembering one key (and at most two), `a` is still known after `b` joins, forgotten after `c`.
      expectObservable(combineById(left, right, byLetter, { rememberJoined: 1 })).toBe(expected, {
        x: joined('a', 0),
        y: joined('b', 0),
        d: duplicate('a', 0),
        w: joined('c', 0),
        z: joined('a', 0),
      });
    });
  });

  it('evicts the oldest waiting item, of either side, when maxPending is reached', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a-b-c-------e|');
      const right = cold(' ------D-C-B--|');
      const expected = '   ----x-y-j---z(Be|)';
      const options = { maxPending: 2, ttlMs: Infinity };
      expectObservable(combineById(left, right, byLetter, options)).toBe(expected, {
        x: unmatched('a', 'capacity', 1),
        y: unmatched('b', 'capacity', 1),
        j: joined('c', 1),
        z: unmatched('D', 'capacity', 1),
        B: unmatched('B', 'completed', 1),
        e: unmatched('e', 'completed', 0),
      });
    });
  });

  it('evicts an item at exactly its arrival time + ttlMs, with one timer for all items', () => {
    const ts = testScheduler();
    const scheduler = new CountingScheduler(ts);
    ts.run(({ cold, expectObservable }) => {
      const left = cold('  -a-b------|');
      const right = cold(' ----B--A-|');
      const expected = '   ----j-x---(A|)';
      expectObservable(combineById(left, right, byLetter, { ttlMs: 5, scheduler })).toBe(expected, {
        j: joined('b', 1),
        x: unmatched('a', 'ttl', 0),
        A: unmatched('A', 'completed', 0),
      });
    });
    assert.equal(scheduler.maxLive, 1);
    assert.equal(scheduler.live, 0);
  });

  it('lets a partner arriving at the very instant of expiry miss, whatever the scheduler runs first', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a------|');
      const right = cold(' ---A---|');
      const expected = '   ---x--y|';
      expectObservable(combineById(left, right, byLetter, { ttlMs: 3 })).toBe(expected, {
        x: unmatched('a', 'ttl', 0),
        y: unmatched('A', 'ttl', 0),
      });
    });
  });

  it('times arrivals by arrivalClock when one is given', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // Every arrival is stamped 0: an item arriving at frame 5 with a TTL of 3 is already overdue.
      const left = cold('  -----a-|');
      const right = cold(' -------|');
      const expected = '   -----x-|';
      expectObservable(combineById(left, right, byLetter, { ttlMs: 3, arrivalClock: () => 0 })).toBe(
        expected,
        {
          x: unmatched('a', 'ttl', 0),
        },
      );
    });
  });

  it('waits in several timers for a TTL longer than a Node timer can wait, still expiring on time', () => {
    const ts = testScheduler();
    const scheduler = new CountingScheduler(ts);
    ts.run(({ cold, expectObservable }) => {
      const left = cold('  a 3000000009ms |');
      const right = cold(' 3000000010ms |');
      const expected = '   3000000000ms x 9ms |';
      expectObservable(combineById(left, right, byLetter, { ttlMs: 3e9, scheduler })).toBe(expected, {
        x: unmatched('a', 'ttl', 0),
      });
    });
    assert.equal(scheduler.scheduled, 2);
  });

  it('expires a burst in one sweep from one scheduled action', () => {
    const ts = testScheduler();
    const scheduler = new CountingScheduler(ts);
    ts.run(({ cold, expectObservable }) => {
      const left = cold('  (abcd) 16ms -|');
      const right = cold(' 22ms |');
      const expected = '   10ms (wxyz) 6ms -|';
      expectObservable(combineById(left, right, byLetter, { ttlMs: 10, scheduler })).toBe(expected, {
        w: unmatched('a', 'ttl', 3),
        x: unmatched('b', 'ttl', 2),
        y: unmatched('c', 'ttl', 1),
        z: unmatched('d', 'ttl', 0),
      });
    });
    assert.equal(scheduler.scheduled, 1);
  });

  it("emits the other side's waiting and later unmatched items as completed when one side completes", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a-b--|');
      const right = cold(' -C-----B-DA|');
      const expected = '   -----x-j-dy|';
      expectObservable(combineById(left, right, byLetter)).toBe(expected, {
        x: unmatched('C', 'completed', 2),
        j: joined('b', 1),
        d: unmatched('D', 'completed', 1),
        y: joined('a', 0),
      });
    });
  });

  it('lets the completed side wait for the open one, then flushes it when both complete', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  -a---b-c-|');
      const right = cold(' B-|');
      const expected = '   --x--j-y-|';
      expectObservable(combineById(left, right, byLetter)).toBe(expected, {
        x: unmatched('a', 'completed', 1),
        j: joined('b', 0),
        y: unmatched('c', 'completed', 0),
      });
    });
    testScheduler().run(({ cold, expectObservable }) => {
      const left = cold('  a-|');
      const right = cold(' ---|');
      expectObservable(combineById(left, right, byLetter)).toBe('---(x|)', {
        x: unmatched('a', 'completed', 0),
      });
    });
  });

  it('errors when either input errors, unsubscribing both and cancelling the timer', () => {
    for (const [l, r] of [
      ['-a--#', '--B---'],
      ['-a----', '--B-#'],
    ] as const) {
      const ts = testScheduler();
      const scheduler = new CountingScheduler(ts);
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const left = cold(l);
        const right = cold(r);
        expectObservable(combineById(left, right, byLetter, { ttlMs: 10, scheduler })).toBe('----#');
        expectSubscriptions(left.subscriptions).toBe('^---!');
        expectSubscriptions(right.subscriptions).toBe('^---!');
      });
      assert.equal(scheduler.scheduled, 1);
      assert.equal(scheduler.fired, 0);
      assert.equal(scheduler.live, 0);
    }
  });

  it('does not subscribe to the right input when the left one errors at once', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const right = cold('-B-');
      const failed = throwError(() => new Error('gone'));
      expectObservable(combineById(failed, right, byLetter)).toBe('#', undefined, new Error('gone'));
      expectSubscriptions(right.subscriptions).toBe([]);
    });
  });

  it('errors when a key function throws', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const left = cold('  a--');
      const right = cold(' -B-');
      const keyOf = {
        left: byLetter.left,
        right: () => {
          throw new Error('no id');
        },
      };
      expectObservable(combineById(left, right, keyOf)).toBe('-#', undefined, new Error('no id'));
      expectSubscriptions(left.subscriptions).toBe('^!');
      expectSubscriptions(right.subscriptions).toBe('^!');
    });
  });

  it('tears down both inputs and the timer when unsubscribed early', () => {
    const ts = testScheduler();
    const scheduler = new CountingScheduler(ts);
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const left = hot('  -a-b-c-');
      const right = hot(' --A----');
      const unsub = '     ----!  ';
      const expected = '  --j-   ';
      const joinOf = combineById(left, right, byLetter, { ttlMs: 10, scheduler });
      expectObservable(joinOf, unsub).toBe(expected, { j: joined('a', 0) });
      expectSubscriptions(left.subscriptions).toBe('^---!');
      expectSubscriptions(right.subscriptions).toBe('^---!');
    });
    // `b` arrived while the timer set for `a` was still due, so it got no timer of its own.
    assert.equal(scheduler.scheduled, 1);
    assert.equal(scheduler.fired, 0);
    assert.equal(scheduler.live, 0);
  });

  it('runs the documented example synchronously, and each subscription starts afresh', () => {
    const truth$ = of({ id: 'a', y: 1 }, { id: 'b', y: 2 });
    const preds$ = of({ id: 'b', y: 2.5 }, { id: 'a', y: 0.5 });
    function* already() {
      yield 'c';
    }
    const join$ = combineById(
      truth$,
      preds$,
      { left: (t) => t.id, right: (p) => p.id },
      { alreadyJoined: already() },
    );
    for (let run = 0; run < 2; run++) {
      const seen: string[] = [];
      join$.subscribe((e) =>
        seen.push(e.kind === 'joined' ? `${e.key} ${Math.abs(e.left.y - e.right.y)}` : e.kind),
      );
      assert.deepEqual(seen, ['b 0.5', 'a 0.5']);
    }
    const c$ = combineById(of('c'), of<string>(), byLetter, { alreadyJoined: already() });
    const kinds: string[] = [];
    c$.subscribe((e) => kinds.push(e.kind));
    assert.deepEqual(kinds, ['duplicate']);
  });

  it('refuses out-of-range options', () => {
    const ok = of<string>();
    assert.throws(() => combineById(ok, ok, byLetter, { maxPending: 0 }), RangeError);
    assert.throws(() => combineById(ok, ok, byLetter, { ttlMs: -1 }), RangeError);
    assert.throws(() => combineById(ok, ok, byLetter, { ttlMs: NaN }), RangeError);
    assert.throws(() => combineById(ok, ok, byLetter, { rememberJoined: 1.5 }), RangeError);
  });
});

/** mulberry32: a tiny seeded generator, so the load test is the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('combineById under load', () => {
  it('accounts for every item of 200k keys exactly once and never holds more than maxPending', () => {
    const keys = 200_000;
    const maxPending = 2_000;
    const lag = 400;
    const random = seeded(7);
    // Item i of the left and i (first delivery) or keys + i (redelivery) of the right share key String(i).
    const rightAt: number[][] = Array.from({ length: keys + 2 * lag + 1 }, () => []);
    let orphans = 0;
    let redeliveries = 0;
    for (let i = 0; i < keys; i++) {
      if (random() < 0.1) {
        orphans++;
        continue;
      }
      const at = Math.max(0, i + Math.floor((random() * 2 - 1) * lag));
      rightAt[at]!.push(i);
      if (random() < 0.01) {
        redeliveries++;
        rightAt[at + 1 + Math.floor(random() * lag)]!.push(keys + i);
      }
    }

    const left = new Subject<number>();
    const right = new Subject<number>();
    const leftSeen = new Uint8Array(keys);
    const rightSeen = new Uint8Array(2 * keys);
    const counts = { joined: 0, unmatched: 0, capacity: 0, duplicate: 0 };
    let arrived = 0;
    let emitted = 0;
    let maxSeen = 0;
    let pendingMismatches = 0;
    let completed = false;
    const see = (side: 'left' | 'right', item: number) => {
      (side === 'left' ? leftSeen : rightSeen)[item]!++;
      emitted++;
    };
    combineById(
      left,
      right,
      { left: String, right: (r) => String(r % keys) },
      { maxPending, ttlMs: Infinity },
    ).subscribe({
      next: (e) => {
        if (e.kind === 'joined') {
          counts.joined++;
          see('left', e.left);
          see('right', e.right);
        } else {
          counts[e.kind]++;
          if (e.kind === 'unmatched' && e.reason === 'capacity') counts.capacity++;
          see(e.side, e.item);
        }
        maxSeen = Math.max(maxSeen, e.pending);
        // A capacity eviction happens before the arriving item is stored.
        const stored = e.kind === 'unmatched' && e.reason === 'capacity' ? arrived - 1 : arrived;
        if (e.pending !== stored - emitted) pendingMismatches++;
      },
      complete: () => (completed = true),
    });
    for (let step = 0; step < rightAt.length; step++) {
      if (step < keys) {
        arrived++;
        left.next(step);
      }
      for (const r of rightAt[step]!) {
        arrived++;
        right.next(r);
      }
    }
    left.complete();
    right.complete();

    assert.ok(completed);
    assert.equal(pendingMismatches, 0);
    assert.ok(maxSeen <= maxPending, `pending reached ${maxSeen}`);
    assert.ok(counts.capacity > 0, 'the orphans must have filled the buffer');
    assert.equal(emitted, arrived);
    assert.ok(leftSeen.every((n) => n === 1));
    for (let i = 0; i < 2 * keys; i++)
      assert.ok(rightSeen[i]! <= 1, `right item ${i} seen ${rightSeen[i]} times`);
    // With maxPending well above the lag, only the orphans are evicted and every pair joins.
    assert.equal(counts.joined, keys - orphans);
    assert.equal(counts.unmatched, orphans);
    assert.equal(counts.duplicate, redeliveries);
  });
});
