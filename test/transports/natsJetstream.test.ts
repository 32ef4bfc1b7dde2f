/**
 * Focused tests of the NATS transport's JetStream mode against the real nats-server (NATS_URL). The shared
 * conformance suite (nats.test.ts) covers the common contract; these cover what is JetStream's own: durable
 * consumers, de-duplication by id, delivery counts, keep-alive, dead-letter streams, topology conflicts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, type JsMsg } from 'nats';
import { distinct, firstValueFrom, map, take, tap, timeout, toArray, type Observable } from 'rxjs';
import { queueTopic, broadcastTopic, type Topic } from '../../src/core/topics.js';
import type { Delivery, Transport } from '../../src/core/transport.js';
import { createNatsTransport, type NatsTransportOptions } from '../../src/transports/nats/index.js';
import { consumerConfig } from '../../src/transports/nats/names.js';
import { resolveNatsOptions } from '../../src/transports/nats/options.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { consumerBacklog, deleteStreams, uniqueName } from '../../harness/natsServer.js';
import { sleep, until } from '../../harness/poll.js';

const skip = await brokerReachable('nats', NATS_URL);
const prefix = `${uniqueName('TJS')}_`;
const logs: string[] = [];
const open: Transport[] = [];

async function make(options: NatsTransportOptions = {}): Promise<Transport> {
  const t = await createNatsTransport({
    url: NATS_URL,
    streamPrefix: prefix,
    logger: (level, m) => logs.push(`${level}: ${m}`),
    ...options,
  });
  open.push(t);
  return t;
}

const topic = (): Topic => queueTopic(uniqueName('js'));
const text = (d: Delivery): string => new TextDecoder().decode(d.data);
const idOf = (d: Delivery): unknown => (JSON.parse(text(d)) as { id: unknown }).id;
const collect = (o: Observable<Delivery>, n: number, ms = 10_000): Promise<Delivery[]> =>
  firstValueFrom(o.pipe(take(n), toArray(), timeout(ms)));

after(async () => {
  await Promise.all(open.map((t) => t.close()));
  if (!skip) await deleteStreams(NATS_URL, prefix);
});

describe('nats transport, JetStream mode', { skip }, () => {
  it('round-trips envelopes and stores a re-published id once (de-duplication window)', async () => {
    const t = await make();
    const q = topic();
    await t.publish(q, { id: 'a', body: [1.5, -2] });
    await t.publish(q, { id: 'a', body: [1.5, -2] });
    await t.publishRaw(q, new TextEncoder().encode('{"id":"a","body":[9]}'), 'a');
    await t.publish(q, { id: 7, body: [3] });
    const got = await collect(t.consume(q, { group: 'g' }), 2);
    got.forEach((d) => d.ack());
    assert.deepEqual(
      got.map((d) => JSON.parse(text(d)) as unknown),
      [
        { id: 'a', body: [1.5, -2] },
        { id: 7, body: [3] },
      ],
    );
    assert.equal(got[0]?.redelivered, false);
    assert.equal(got[0]?.deliveryCount, 1);
    assert.equal(t.name, 'nats');
  });

  it('shares a topic between replicas of one group and refuses a second group on the work queue', async () => {
    const [a, b] = [await make(), await make()];
    const q = topic();
    const n = 40;
    for (let i = 0; i < n; i++) await a.publish(q, { id: i, body: [i] });
    const seen: unknown[] = [];
    const share = { a: 0, b: 0 };
    let acked = 0;
    const subs = (['a', 'b'] as const).map((tag) =>
      (tag === 'a' ? a : b).consume(q, { group: 'model', prefetch: 4 }).subscribe((d) => {
        seen.push(idOf(d));
        share[tag]++;
        // Acks later, so that the other replica gets a share while these are outstanding.
        setTimeout(() => {
          d.ack();
          acked++;
        }, 5);
      }),
    );
    await until(() => acked >= n, `${n} acks`, { intervalMs: 20 });
    subs.forEach((s) => s.unsubscribe());
    assert.equal(new Set(seen).size, n, 'every message arrives');
    assert.equal(seen.length, n, 'none twice');
    assert.ok(share.a > 0 && share.b > 0, `both replicas got a share (${share.a}/${share.b})`);
    await assert.rejects(
      firstValueFrom(a.consume(q, { group: 'other' })),
      /work queue already read by consumer\(s\) model/,
    );
  });

  it('redelivers a nacked message with its delivery count, and dead-letters with the reason, once', async () => {
    const t = await make();
    const q = topic();
    await t.publishRaw(q, new TextEncoder().encode('not json'), 'bad');
    const deliveries: Delivery[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = t.consume(q).subscribe({
        next: (d) => {
          deliveries.push(d);
          if (d.deliveryCount < 3) d.nack();
          else
            d.deadLetter('not_json: line 1\r\nécrit par le test').then(() => {
              sub.unsubscribe();
              resolve();
            }, reject);
        },
        error: reject,
      });
    });
    assert.deepEqual(
      deliveries.map((d) => [d.deliveryCount, d.redelivered]),
      [
        [1, false],
        [2, true],
        [3, true],
      ],
    );
    const [dead] = await collect(t.consumeDeadLetters(q), 1);
    assert.ok(dead);
    assert.equal(text(dead), 'not json');
    assert.equal(dead.deadLetterReason, 'not_json: line 1 écrit par le test');
    dead.ack();
    // term() is fire-and-forget: give it a moment to reach the server.
    const backlog = await until(
      async () => {
        const b = await consumerBacklog(NATS_URL, `${prefix}${q.name}`, q.name);
        return b.ackPending === 0 && b;
      },
      'the term to reach the server',
      { timeoutMs: 5_000, intervalMs: 100 },
    );
    assert.deepEqual([backlog.pending, backlog.ackPending], [0, 0], 'terminated, not waiting for redelivery');
  });

  it('moves a message that exhausted max deliveries to its dead letters instead of parking it', async () => {
    const t = await make({ maxDeliver: 2 });
    const q = topic();
    await t.publish(q, { id: 'poison', body: [0] });
    const seen: number[] = [];
    const sub = t.consume(q).subscribe((d) => {
      seen.push(d.deliveryCount);
      d.nack();
    });
    const [dead] = await collect(t.consumeDeadLetters(q), 1);
    sub.unsubscribe();
    assert.ok(dead);
    assert.equal(idOf(dead), 'poison');
    assert.equal(dead.deadLetterReason, 'exceeded max deliveries (2)');
    dead.ack();
    assert.deepEqual(seen, [1, 2]);
    const nc = await connect({ servers: NATS_URL });
    const info = await (await nc.jetstreamManager()).streams.info(`${prefix}${q.name}`);
    await nc.close();
    assert.equal(info.state.messages, 0, 'removed from the work queue');
  });

  it('bounds unsettled deliveries by prefetch, and gives them back at once on unsubscribe', async () => {
    // An ack wait far beyond the test: only the nak on unsubscribe can bring the messages back in time.
    const [a, b] = [await make({ ackWaitMs: 120_000 }), await make({ ackWaitMs: 120_000 })];
    const q = topic();
    for (let i = 0; i < 10; i++) await a.publish(q, { id: i, body: [i] });
    const held: Delivery[] = [];
    const holding = a.consume(q, { prefetch: 3 }).subscribe((d) => held.push(d));
    await until(() => held.length >= 3, 'three deliveries', { intervalMs: 20 });
    await sleep(300); // room for a fourth delivery, which must not come
    const backlog = await consumerBacklog(NATS_URL, `${prefix}${q.name}`, q.name);
    assert.deepEqual(held.map(idOf), [0, 1, 2]);
    assert.deepEqual([backlog.ackPending, backlog.pending], [3, 7]);
    holding.unsubscribe();
    const rest = await firstValueFrom(
      b.consume(q, { prefetch: 3 }).pipe(
        tap((d) => d.ack()),
        take(10),
        toArray(),
        timeout(10_000),
      ),
    );
    const again = rest.filter((d) => d.redelivered).map(idOf);
    assert.deepEqual(
      [...again].sort((x, y) => Number(x) - Number(y)),
      [0, 1, 2],
    );
    held.forEach((d) => d.ack()); // too late: a no-op, not an error
  });

  it('holds publishers back while the stream of a topic is full, and lets them go as consumers ack', async () => {
    const t = await make({ maxBacklogMessages: 20 });
    const q = topic();
    let resolved = 0;
    const publishes = Array.from({ length: 30 }, (_, i) =>
      t.publish(q, { id: i, body: [i] }).then(() => resolved++),
    );
    await until(() => resolved >= 20, '20 publishes taken');
    await sleep(300);
    assert.equal(resolved, 20, 'the stream took 20; the other publishes wait');
    const got = await firstValueFrom(
      t.consume(q).pipe(
        tap((d) => d.ack()),
        take(30),
        toArray(),
        timeout(10_000),
      ),
    );
    await Promise.all(publishes);
    assert.equal(new Set(got.map(idOf)).size, 30);
  });

  it('keeps a held delivery alive past the ack wait while its consumer lives', async () => {
    const t = await make({ ackWaitMs: 1_000 });
    const q = topic();
    await t.publish(q, { id: 'slow', body: [1] });
    const received: Delivery[] = [];
    const sub = t.consume(q).subscribe((d) => received.push(d));
    await sleep(3_500);
    const backlog = await consumerBacklog(NATS_URL, `${prefix}${q.name}`, q.name);
    assert.equal(received.length, 1, 'not redelivered');
    assert.equal(backlog.redelivered, 0);
    received[0]?.ack();
    sub.unsubscribe();
  });

  it('re-creates a consumer deleted under it and goes on consuming', async () => {
    const t = await make();
    const q = topic();
    const got: unknown[] = [];
    const sub = t.consume(q).subscribe((d) => {
      got.push(idOf(d));
      d.ack();
    });
    await t.publish(q, { id: 1, body: [1] });
    await until(() => got.length >= 1, 'the first delivery', { intervalMs: 20 });
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).consumers.delete(`${prefix}${q.name}`, q.name);
    await nc.close();
    await t.publish(q, { id: 2, body: [2] });
    await until(() => got.length >= 2, 'the delivery after the consumer was re-created', {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    sub.unsubscribe();
    assert.deepEqual(got, [1, 2]);
    assert.ok(logs.some((l) => l.includes('re-creating')));
  });

  it('deletes and re-creates a work-queue consumer that owes messages but hands none to a replica holding none', async () => {
    // Another client of the same durable fetches the whole window (3) and keeps it alive forever: to the transport,
    // the consumer owes six messages and delivers nothing, as a consumer stuck on the server does.
    const ackWaitMs = 1_000;
    const t = await make({ ackWaitMs });
    const q = topic();
    for (let i = 0; i < 6; i++) await t.publish(q, { id: i, body: [i] });
    const cfg = consumerConfig(
      q.name,
      'queue',
      q.name,
      3,
      resolveNatsOptions({ url: NATS_URL, streamPrefix: prefix, ackWaitMs }),
    );
    const stream = `${prefix}${q.name}`;
    const nc = await connect({ servers: NATS_URL });
    try {
      await (await nc.jetstreamManager()).consumers.add(stream, cfg);
      const held: JsMsg[] = [];
      for await (const m of await nc
        .jetstream()
        .consumers.get(stream, cfg.durable_name)
        .then((c) => c.fetch({ max_messages: 3, expires: 2_000 })))
        held.push(m);
      assert.equal(held.length, 3, 'the other client holds the window');
      const keepAlive = setInterval(() => held.forEach((m) => m.working()), 250);
      try {
        const got = await firstValueFrom(
          t.consume(q, { prefetch: 3 }).pipe(
            tap((d) => d.ack()),
            map(idOf),
            distinct(),
            take(6),
            toArray(),
            timeout(20_000),
          ),
        );
        assert.deepEqual(
          got.map(Number).sort((x, y) => x - y),
          [0, 1, 2, 3, 4, 5],
        );
      } finally {
        clearInterval(keepAlive);
      }
      assert.ok(
        logs.some((l) =>
          l.includes(`consumer ${q.name} of stream ${stream} delivered nothing for 2 s and it owes 6`),
        ),
        logs.join('\n'),
      );
      const left = await consumerBacklog(NATS_URL, stream, q.name);
      assert.deepEqual([left.pending, left.ackPending], [0, 0], 'the new consumer owes nothing');
    } finally {
      await nc.close();
    }
  });

  it('broadcasts over core NATS: every subscriber gets every message', async () => {
    const t = await make();
    const m = broadcastTopic(uniqueName('metrics'));
    const first = collect(t.consume(m), 5);
    const second = collect(t.consume(m), 5);
    await sleep(100); // subscriptions reach the server
    for (let i = 0; i < 5; i++) await t.publish(m, { id: i, body: { i } });
    for (const got of await Promise.all([first, second])) assert.deepEqual(got.map(idOf), [0, 1, 2, 3, 4]);
  });

  it('close drains publishes under way; state$ ends with closed; a later publish rejects', async () => {
    const t = await make();
    const q = topic();
    const states: string[] = [];
    const done = new Promise<void>((resolve) =>
      t.state$.subscribe({ next: (s) => states.push(s), complete: resolve }),
    );
    const pending = Array.from({ length: 200 }, (_, i) => t.publish(q, { id: i, body: [i] }));
    await t.close();
    await Promise.all(pending);
    await done;
    assert.equal(states.at(-1), 'closed');
    await assert.rejects(t.publish(q, { id: 'late', body: [0] }), { name: 'TransportClosedError' });
    await t.close(); // idempotent
    const reader = await make();
    const all = await collect(reader.consume(q), 200);
    all.forEach((d) => d.ack());
    assert.equal(new Set(all.map(idOf)).size, 200);
  });
});
