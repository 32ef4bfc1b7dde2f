/**
 * What only the in-memory transport does (the shared behaviour is in the conformance suite, memory.test.ts):
 * broadcast queues that drop their oldest message, capacity back-pressure, envelopes carried by reference and
 * encoded only when read, redelivery of what a consumer held when it goes away, nacks that never starve the
 * event loop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Subscription } from 'rxjs';
import { decodeEnvelope, featureVector } from '../../src/core/codec.js';
import type { RecordId } from '../../src/core/envelope.js';
import { broadcastTopic, queueTopic } from '../../src/core/topics.js';
import { TransportClosedError, type Delivery } from '../../src/core/transport.js';
import {
  MemoryQueue,
  type QueueConsumer,
  type StoredMessage,
} from '../../src/transports/memory/memoryQueue.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const ids = (ds: readonly Delivery[]): (RecordId | undefined)[] => ds.map((d) => d.envelope?.id);

/** Subscribes and records deliveries; settles each with `handler` (default: leave it unsettled). */
function collect(
  source: ReturnType<MemoryTransport['consume']>,
  handler: (d: Delivery) => void = () => undefined,
): { got: Delivery[]; sub: Subscription } {
  const got: Delivery[] = [];
  const sub = source.subscribe((d) => {
    got.push(d);
    handler(d);
  });
  return { got, sub };
}

/** Records whether a promise has settled, without awaiting it. */
function watch(p: Promise<void>): { state: () => 'pending' | 'resolved' | 'rejected'; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let error: unknown;
  p.then(
    () => (state = 'resolved'),
    (e: unknown) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, error: () => error };
}

describe('memory transport specifics', () => {
  it('gives a slow broadcast subscriber the newest messages, dropping its oldest, and never blocks publish', async () => {
    const t = new MemoryTransport({ broadcastCapacity: 3 });
    const topic = broadcastTopic('m.broadcast');
    const slow = collect(t.consume(topic, { prefetch: 1 }));
    const fast = collect(t.consume(topic, { prefetch: 100 }), (d) => d.ack());
    for (let i = 1; i <= 10; i++) await t.publish(topic, { id: i, body: i }); // resolves although slow is full
    assert.deepEqual(ids(fast.got), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'a fast subscriber loses nothing');
    assert.deepEqual(ids(slow.got), [1], 'prefetch 1: the first is held, the rest wait');
    while (slow.got.length < 4) {
      (slow.got.at(-1) as Delivery).ack();
      await tick();
    }
    assert.deepEqual(ids(slow.got), [1, 8, 9, 10], '2..7 were dropped, oldest first');
    slow.sub.unsubscribe();
    fast.sub.unsubscribe();
    await t.close();
  });

  it('drops broadcast messages published while nobody listens', async () => {
    const t = new MemoryTransport();
    const topic = broadcastTopic('m.nobody');
    await t.publish(topic, { id: 'lost', body: 0 });
    const late = collect(t.consume(topic), (d) => d.ack());
    await t.publish(topic, { id: 'seen', body: 0 });
    assert.deepEqual(ids(late.got), ['seen']);
    late.sub.unsubscribe();
    await t.close();
  });

  it('holds publishers back when a queue is at capacity, and lets them in as consumers take messages', async () => {
    const t = new MemoryTransport({ capacity: 2 });
    const topic = queueTopic('m.capacity');
    await t.publish(topic, { id: 1, body: 1 });
    await t.publish(topic, { id: 2, body: 2 });
    const third = watch(t.publish(topic, { id: 3, body: 3 }));
    const fourth = watch(t.publish(topic, { id: 4, body: 4 }));
    await tick();
    assert.equal(third.state(), 'pending');
    assert.equal(fourth.state(), 'pending');
    assert.equal(t.depth(topic), 4, 'waiting publishes count in the depth');

    // A consumer with prefetch 1 takes message 1: its slot frees room for 3, not yet for 4.
    const c = collect(t.consume(topic, { prefetch: 1 }));
    await tick();
    assert.deepEqual(ids(c.got), [1]);
    assert.equal(third.state(), 'resolved');
    assert.equal(fourth.state(), 'pending');
    (c.got[0] as Delivery).ack();
    await tick();
    assert.equal(fourth.state(), 'resolved');
    c.sub.unsubscribe();
    await t.close();
  });

  it('fails the publishers still waiting for room when it closes', async () => {
    const t = new MemoryTransport({ capacity: 1 });
    const topic = queueTopic('m.close');
    await t.publish(topic, { id: 1, body: 1 });
    const waiting = watch(t.publish(topic, { id: 2, body: 2 }));
    await t.close();
    await tick();
    assert.equal(waiting.state(), 'rejected');
    assert.ok(waiting.error() instanceof TransportClosedError);
    await assert.rejects(t.publish(topic, { id: 3, body: 3 }), TransportClosedError);
  });

  it('carries the envelope by reference and encodes `data` only when a consumer reads it, once', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.lazy');
    let encodings = 0;
    const body = { toJSON: (): number[] => (encodings++, [0.5, -1]) };
    const env = { id: 'lazy-1', body };
    const c = collect(t.consume(topic));
    await t.publish(topic, env);
    const d = c.got[0] as Delivery;
    assert.equal(d.envelope, env, 'the very object published');
    assert.equal(encodings, 0, 'not encoded on publish nor on delivery');
    const r = decodeEnvelope(d.data, featureVector);
    assert.deepEqual(r, { ok: true, value: { id: 'lazy-1', body: [0.5, -1] } });
    void d.data;
    assert.equal(encodings, 1, 'encoded once, then cached');
    c.sub.unsubscribe();
    await t.close();
  });

  it('delivers raw bytes as published, without an envelope', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.raw');
    const c = collect(t.consume(topic));
    const raw = new TextEncoder().encode('{"id": 1, "body": NaN}');
    await t.publishRaw(topic, raw);
    const d = c.got[0] as Delivery;
    assert.equal(d.envelope, undefined);
    assert.deepEqual(d.data, raw);
    c.sub.unsubscribe();
    await t.close();
  });

  it('gives what a consumer held back, in order and marked redelivered, when it unsubscribes', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.detach');
    for (let i = 1; i <= 5; i++) await t.publish(topic, { id: i, body: i });
    const first = collect(t.consume(topic, { prefetch: 3 }));
    assert.deepEqual(ids(first.got), [1, 2, 3]);
    (first.got[1] as Delivery).ack(); // 2 is done; 1 and 3 are held, then 4 is taken
    assert.deepEqual(ids(first.got), [1, 2, 3, 4]);
    first.sub.unsubscribe();
    const stale = first.got[0] as Delivery;
    stale.ack(); // settling after the consumer went away is a no-op: 1 must still come back

    const second = collect(t.consume(topic, { prefetch: 10 }), (d) => d.ack());
    assert.deepEqual(ids(second.got), [1, 3, 4, 5]);
    assert.deepEqual(
      second.got.map((d) => [d.redelivered, d.deliveryCount]),
      [
        [true, 2],
        [true, 2],
        [true, 2],
        [false, 1],
      ],
    );
    assert.equal(t.depth(topic), 0);
    second.sub.unsubscribe();
    await t.close();
  });

  it('ignores a settlement of an earlier delivery once the message has been delivered again', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.stale');
    await t.publish(topic, { id: 1, body: 1 });
    const c = collect(t.consume(topic, { prefetch: 1 }));
    const first = c.got[0] as Delivery;
    first.nack();
    await new Promise((r) => setImmediate(r));
    const second = c.got[1] as Delivery;
    assert.equal(second.deliveryCount, 2);
    first.ack(); // stale: must not settle the second delivery
    first.nack();
    assert.equal(t.depth(topic), 1, 'still held by the second delivery');
    second.ack();
    assert.equal(t.depth(topic), 0);
    assert.equal(c.got.length, 2, 'the stale nack redelivered nothing');
    c.sub.unsubscribe();
    await t.close();
  });

  it('redelivers a nacked message on a later turn, so an always-failing consumer cannot starve the event loop', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.nack');
    let nacks = 0;
    let nacksWhenTimerRan = -1;
    setImmediate(() => (nacksWhenTimerRan = nacks));
    const limit = 1000;
    const c = collect(t.consume(topic), (d) => (nacks < limit ? (nacks++, d.nack()) : d.ack()));
    await t.publish(topic, { id: 'poison', body: 0 });
    while (c.got.length <= limit) await tick();
    assert.ok(
      nacksWhenTimerRan >= 0 && nacksWhenTimerRan < limit,
      `other work ran only after ${nacksWhenTimerRan} redeliveries`,
    );
    assert.equal((c.got.at(-1) as Delivery).deliveryCount, limit + 1);
    c.sub.unsubscribe();
    await t.close();
  });

  it('keeps dead letters, with their reason and bytes, whatever the envelope held', async () => {
    const t = new MemoryTransport();
    const topic = queueTopic('m.dead');
    const c = collect(t.consume(topic));
    // A buggy producer's NaN travels by reference in memory; a broker would have carried Python-style bytes.
    await t.publish(topic, { id: 'nan', body: [NaN, 1] });
    await t.publish(topic, { id: 'ok', body: [1] });
    for (const d of c.got) await d.deadLetter(`bad ${String(d.envelope?.id)}`);
    assert.equal(t.depth(topic), 0, 'dead-lettering acks');
    const dead = collect(t.consumeDeadLetters(topic), (d) => d.ack());
    assert.deepEqual(
      dead.got.map((d) => [d.deadLetterReason, new TextDecoder().decode(d.data)]),
      [
        ['bad nan', '{"id":"nan","body":[NaN,1]}'],
        ['bad ok', '{"id":"ok","body":[1]}'],
      ],
    );
    c.sub.unsubscribe();
    dead.sub.unsubscribe();
    await t.close();
  });

  describe('MemoryQueue', () => {
    const message = (n: number): StoredMessage => ({
      envelope: { id: n, body: n },
      data: undefined,
      messageId: String(n),
      deadLetterReason: undefined,
      deliveryCount: 1,
    });
    const consumer = (prefetch: number, got: StoredMessage[]): QueueConsumer => ({
      prefetch,
      inFlight: 0,
      alive: true,
      held: [],
      deliver: (m) => got.push(m),
    });

    it('shares messages round-robin between consumers with room, within their prefetch', () => {
      const q = new MemoryQueue(100, 'backpressure');
      const a: StoredMessage[] = [];
      const b: StoredMessage[] = [];
      q.attach(consumer(2, a));
      q.attach(consumer(1, b));
      for (let i = 1; i <= 5; i++) assert.equal(q.offer(message(i)), undefined, 'taken at once');
      assert.deepEqual(
        a.map((m) => m.envelope?.id),
        [1, 3],
      );
      assert.deepEqual(
        b.map((m) => m.envelope?.id),
        [2],
      );
      assert.equal(q.depth, 5);
    });

    it('counts what a drop-head queue dropped', () => {
      const q = new MemoryQueue(2, 'drop-head');
      for (let i = 1; i <= 5; i++) assert.equal(q.offer(message(i)), undefined);
      assert.equal(q.dropped, 3);
      const got: StoredMessage[] = [];
      q.attach(consumer(10, got));
      assert.deepEqual(
        got.map((m) => m.envelope?.id),
        [4, 5],
      );
    });
  });
});
