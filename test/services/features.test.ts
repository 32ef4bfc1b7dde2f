/** The features service over the in-memory transport: counts, ids, repeatability, back-pressure and stopping. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, toArray, type Observable, type Subscription } from 'rxjs';
import type { RecordId } from '../../src/core/envelope.js';
import { FEATURES, Y_TRUE } from '../../src/core/topics.js';
import type { Delivery } from '../../src/core/transport.js';
import { featuresService, type FeatureRows, type FeaturesOptions } from '../../src/services/features.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { sleep, until } from '../../harness/poll.js';

const rows: FeatureRows = {
  X: [
    [0.1, 0.2],
    [0.3, 0.4],
    [0.5, 0.6],
    [0.7, 0.8],
    [0.9, 1.0],
  ],
  y: [10, 20, 30, 40, 50],
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Consumes a topic; acks each delivery at once, or on a later turn with `later` (a consumer that keeps up). */
function reader(source: Observable<Delivery>, later = false): { got: Delivery[]; sub: Subscription } {
  const got: Delivery[] = [];
  const sub = source.subscribe((d) => {
    got.push(d);
    if (later) setImmediate(() => d.ack());
    else d.ack();
  });
  return { got, sub };
}

/** Which row of `rows` a delivery carries: the memory transport hands over the very array published. */
const rowOf = (d: Delivery): number => rows.X.indexOf(d.envelope?.body as readonly number[]);
const idOf = (d: Delivery): RecordId => d.envelope?.id as RecordId;
const published = (events: readonly ServiceEvent[]): RecordId[] =>
  events.flatMap((e) => (e.kind === 'published' ? [e.id] : []));

/** Runs a bounded features stream to completion and returns what reached each topic. */
async function run(
  options: FeaturesOptions,
): Promise<{ events: ServiceEvent[]; x: Delivery[]; y: Delivery[] }> {
  const t = new MemoryTransport();
  const x = reader(t.consume(FEATURES));
  const y = reader(t.consume(Y_TRUE));
  const events = await lastValueFrom(featuresService(t, rows, { intervalMs: 0, ...options }).pipe(toArray()));
  x.sub.unsubscribe();
  y.sub.unsubscribe();
  await t.close();
  return { events, x: x.got, y: y.got };
}

describe('features service', () => {
  it('publishes exactly --count records, each as features and y_true under one distinct id', async () => {
    const n = 500;
    const { events, x, y } = await run({ count: n, seed: 1 });
    const ids = published(events);
    assert.equal(events.length, n, 'only published events');
    assert.equal(new Set(ids).size, n, 'ids distinct');
    assert.equal(x.length, n);
    assert.equal(y.length, n);
    assert.deepEqual(new Set(x.map(idOf)), new Set(ids));
    const target = new Map(y.map((d) => [idOf(d), d.envelope?.body]));
    for (const d of x) {
      const row = rowOf(d);
      assert.ok(row >= 0, 'a row of the data set');
      assert.equal(target.get(idOf(d)), rows.y[row], `y_true of ${String(idOf(d))} is its row's target`);
    }
    assert.equal(new Set(x.map(rowOf)).size, rows.X.length, 'rows are drawn from the whole data set');
  });

  it('streams the same rows for the same seed, other rows for another', async () => {
    const a = await run({ count: 40, seed: 42, runId: 'r' });
    const b = await run({ count: 40, seed: 42, runId: 'r' });
    const c = await run({ count: 40, seed: 43, runId: 'r' });
    const trace = (ds: Delivery[]): string[] => ds.map((d) => `${String(idOf(d))}:${rowOf(d)}`);
    assert.deepEqual(trace(a.x), trace(b.x));
    assert.notDeepEqual(trace(a.x), trace(c.x));
    assert.deepEqual(a.x.map(idOf).slice(0, 3), ['r-0', 'r-1', 'r-2']);
  });

  it('gives two processes ids that never collide, and continues a restarted count', async () => {
    const a = await run({ count: 100 });
    const b = await run({ count: 100 });
    const overlap = published(a.events).filter((id) => new Set(published(b.events)).has(id));
    assert.deepEqual(overlap, []);
  });

  it('resumes a run at a sequence with the same ids and rows, up to the same total count', async () => {
    const whole = await run({ count: 12, seed: 5, runId: 'r' });
    const watermarks: number[] = [];
    const resumed = await run({
      count: 12,
      seed: 5,
      runId: 'r',
      startSequence: 7,
      onWatermark: (n) => watermarks.push(n),
    });
    const trace = (ds: Delivery[]): string[] => ds.map((d) => `${String(idOf(d))}:${rowOf(d)}`);
    assert.deepEqual(published(resumed.events), ['r-7', 'r-8', 'r-9', 'r-10', 'r-11']);
    assert.deepEqual(trace(resumed.x), trace(whole.x).slice(7));
    assert.equal(watermarks.at(-1), 12, 'every record below 12 is published');
    assert.deepEqual(
      watermarks,
      [...watermarks].sort((a, b) => a - b),
      'the watermark never moves back',
    );
  });

  it('refuses an empty data set or one with a target missing', () => {
    const t = new MemoryTransport();
    assert.throws(() => featuresService(t, { X: [], y: [] }), RangeError);
    assert.throws(() => featuresService(t, { X: [[1]], y: [] }), /one target per row/);
  });

  it('stalls at the transport capacity without a consumer, and resumes when one drains', async () => {
    const capacity = 20;
    const concurrency = 8;
    const t = new MemoryTransport({ capacity });
    const ac = new AbortController();
    const events: ServiceEvent[] = [];
    let completed = false;
    const sub = featuresService(t, rows, { intervalMs: 0, concurrency, signal: ac.signal }).subscribe({
      next: (e) => events.push(e),
      complete: () => (completed = true),
    });
    await until(() => events.length === capacity, 'the queues to fill');
    for (let i = 0; i < 20; i++) await tick();
    await sleep(20);
    assert.equal(events.length, capacity, 'no record is published beyond capacity');
    assert.equal(t.depth(FEATURES), capacity + concurrency, 'only `concurrency` records wait for room');
    assert.equal(t.depth(Y_TRUE), capacity + concurrency);

    const x = reader(t.consume(FEATURES), true);
    const y = reader(t.consume(Y_TRUE), true);
    await until(() => events.length >= 10 * capacity, 'publishing to resume');
    ac.abort();
    await until(() => completed, 'the stream to complete');
    // Everything published was taken, and nothing was taken that was not reported published.
    await until(() => t.depth(FEATURES) === 0 && t.depth(Y_TRUE) === 0, 'the consumers to catch up');
    const ids = published(events);
    assert.deepEqual(new Set(x.got.map(idOf)), new Set(ids));
    assert.deepEqual(new Set(y.got.map(idOf)), new Set(ids));
    assert.equal(x.got.length, ids.length);
    sub.unsubscribe();
    x.sub.unsubscribe();
    y.sub.unsubscribe();
    await t.close();
  });

  it('stops on abort although the transport never pushes back, finishing the records in flight', async () => {
    const t = new MemoryTransport();
    const x = reader(t.consume(FEATURES));
    const y = reader(t.consume(Y_TRUE));
    const ac = new AbortController();
    const count = 200_000;
    const done = lastValueFrom(
      featuresService(t, rows, { intervalMs: 0, count, signal: ac.signal }).pipe(toArray()),
    );
    setTimeout(() => ac.abort(), 5);
    const events = await done;
    assert.ok(events.length > 0 && events.length < count, `stopped after ${events.length} records`);
    assert.equal(x.got.length, events.length);
    assert.equal(y.got.length, events.length);
    x.sub.unsubscribe();
    y.sub.unsubscribe();
    await t.close();
  });

  it('paces records by --interval and stops promptly while waiting for the next one', async () => {
    const t = new MemoryTransport();
    const x = reader(t.consume(FEATURES));
    const ac = new AbortController();
    const done = lastValueFrom(
      featuresService(t, rows, { intervalMs: 60_000, signal: ac.signal }).pipe(toArray()),
    );
    await until(() => x.got.length === 1, 'the first record, sent at once');
    ac.abort();
    const events = await done; // a pending 60 s wait must not hold the stop back
    assert.equal(events.length, 1);
    x.sub.unsubscribe();
    await t.close();
  });

  it('fails the stream when the transport closes under it', async () => {
    const t = new MemoryTransport({ capacity: 1 });
    const done = lastValueFrom(featuresService(t, rows, { intervalMs: 0, count: 10 }));
    await tick();
    await t.close();
    await assert.rejects(done, { name: 'TransportClosedError' });
  });
});
