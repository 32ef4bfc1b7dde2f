/**
 * The NATS transport in core mode against the real nats-server: what at-most-once means here (no redelivery,
 * queue groups, a bounded buffer that drops for a slow consumer) and dead letters for a subscribed reader.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Observable } from 'rxjs';
import { queueTopic, type Topic } from '../../src/core/topics.js';
import type { Delivery, Transport } from '../../src/core/transport.js';
import { createNatsTransport, type NatsTransportOptions } from '../../src/transports/nats/index.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { uniqueName } from '../../harness/natsServer.js';
import { sleep, until } from '../../harness/poll.js';

const skip = await brokerReachable('nats', NATS_URL);
const logs: string[] = [];
const open: Transport[] = [];

async function make(options: NatsTransportOptions = {}): Promise<Transport> {
  const t = await createNatsTransport({
    url: NATS_URL,
    mode: 'core',
    logger: (level, m) => logs.push(`${level}: ${m}`),
    ...options,
  });
  open.push(t);
  return t;
}

const topic = (): Topic => queueTopic(uniqueName('core'));
const idOf = (d: Delivery): unknown => (JSON.parse(new TextDecoder().decode(d.data)) as { id: unknown }).id;

/** Subscribes, recording deliveries, and waits until the subscription has reached the server. */
async function record(source: Observable<Delivery>, onDelivery?: (d: Delivery) => void) {
  const got: Delivery[] = [];
  const sub = source.subscribe((d) => {
    got.push(d);
    onDelivery?.(d);
  });
  await sleep(150);
  return { got, stop: () => sub.unsubscribe() };
}

after(async () => {
  await Promise.all(open.map((t) => t.close()));
});

describe('nats transport, core mode', { skip }, () => {
  it('is at-most-once: nack does not redeliver, and each consume group gets its own copy', async () => {
    const t = await make();
    assert.equal(t.name, 'nats-core');
    const q = topic();
    const nacker = await record(t.consume(q, { group: 'a' }), (d) => d.nack());
    const other = await record(t.consume(q, { group: 'b' }), (d) => d.ack());
    for (let i = 0; i < 5; i++) await t.publish(q, { id: i, body: [i] });
    await until(() => nacker.got.length >= 5 && other.got.length >= 5, 'five deliveries to each group', {
      timeoutMs: 5_000,
    });
    await sleep(300); // a redelivery, were there one, would come now
    assert.deepEqual(nacker.got.map(idOf), [0, 1, 2, 3, 4], 'nacked, never redelivered');
    assert.deepEqual(other.got.map(idOf), [0, 1, 2, 3, 4]);
    assert.ok(nacker.got.every((d) => d.deliveryCount === 1 && !d.redelivered));
    nacker.stop();
    other.stop();
  });

  it('hands out at most prefetch deliveries; the rest wait in a bounded buffer, then drop', async () => {
    const t = await make({ slowConsumerBufferBytes: 200 });
    const q = topic();
    let autoAck = false;
    const slow = await record(t.consume(q, { prefetch: 2 }), (d) => autoAck && d.ack());
    // Each message is 20-odd bytes: about 8 fit the buffer behind the 2 handed out.
    for (let i = 0; i < 40; i++) await t.publish(q, { id: i, body: [i] });
    await until(() => logs.some((l) => l.includes('slow consumer')), 'the slow consumer warning', {
      timeoutMs: 5_000,
    });
    await sleep(200);
    assert.deepEqual(slow.got.map(idOf), [0, 1], 'no more than prefetch unsettled');
    // Settling frees room: buffered messages follow, in order; dropped ones never come.
    autoAck = true;
    slow.got.forEach((d) => d.ack());
    await sleep(300);
    const ids = slow.got.map(idOf) as number[];
    assert.ok(ids.length > 2 && ids.length < 40, `some buffered, some dropped (${ids.length} of 40)`);
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => x - y),
      'in order',
    );
    assert.ok(logs.some((l) => /slow consumer on .*: dropped \d+ messages/.test(l)));
    slow.stop();
  });

  it('dead-letters to <topic>.dead_letter with the reason, for a reader subscribed at the time', async () => {
    const t = await make();
    const q = topic();
    const reader = await record(t.consumeDeadLetters(q), (d) => d.ack());
    const consumer = await record(t.consume(q), (d) => void d.deadLetter('bad_body: body must be an array'));
    await t.publishRaw(q, new TextEncoder().encode('{"id":1,"body":"x"}'));
    await until(() => reader.got.length >= 1, 'the dead letter', { timeoutMs: 5_000 });
    assert.equal(consumer.got.length, 1);
    assert.equal(new TextDecoder().decode(reader.got[0]?.data), '{"id":1,"body":"x"}');
    assert.equal(reader.got[0]?.deadLetterReason, 'bad_body: body must be an array');
    reader.stop();
    consumer.stop();
  });

  it('takes 2,000 concurrent publishes with a flush round trip every 16, all delivered', async () => {
    const t = await make({ flushEvery: 16 });
    const q = topic();
    const sink = await record(t.consume(q, { prefetch: 10_000 }), (d) => d.ack());
    const n = 2_000;
    await Promise.all(Array.from({ length: n }, (_, i) => t.publish(q, { id: i, body: [i] })));
    await until(() => sink.got.length >= n, `${n} deliveries`, { timeoutMs: 5_000 });
    assert.equal(new Set(sink.got.map(idOf)).size, n);
    sink.stop();
  });
});
