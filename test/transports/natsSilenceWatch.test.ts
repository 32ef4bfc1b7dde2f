/**
 * The JetStream consumer's watchdog (src/transports/nats/silenceWatch.ts): when it calls a consumer silent, and,
 * against the real server, the assumption it rests on: a live pull consumer always hears something within a pull
 * period, idle or with every delivery it may hold unsettled, so the watchdog never re-creates a healthy one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, StorageType, type JsMsg, type NatsConnection } from 'nats';
import { SilenceWatch } from '../../src/transports/nats/silenceWatch.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';

describe('SilenceWatch', () => {
  it('calls a consumer silent only after `checks` ticks in a row with nothing heard', () => {
    const w = new SilenceWatch(3);
    assert.deepEqual([w.tick(), w.tick(), w.tick()], [false, false, true]);
    assert.equal(w.tick(), true, 'still silent');
  });

  it('starts counting again from anything heard, a single message or status', () => {
    const w = new SilenceWatch(3);
    w.tick();
    w.tick();
    w.heard();
    assert.equal(w.tick(), false, 'heard during this tick');
    assert.deepEqual([w.tick(), w.tick(), w.tick()], [false, false, true]);
    for (let i = 0; i < 1000; i++) w.heard();
    assert.equal(w.tick(), false);
  });

  it('says how many silent ticks in a row it has counted, and counts again from a restart', () => {
    const w = new SilenceWatch(2);
    w.tick();
    w.tick();
    w.tick();
    assert.equal(w.quietTicks, 3);
    w.restart();
    assert.deepEqual([w.quietTicks, w.tick(), w.tick()], [0, false, true]);
    w.heard();
    w.tick();
    assert.equal(w.quietTicks, 0, 'heard: none in a row');
  });

  it('refuses a number of checks that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new SilenceWatch(bad), RangeError);
    assert.equal(new SilenceWatch(1).tick(), true);
  });
});

const skip = await brokerReachable('nats', NATS_URL);

describe('a live pull consumer is never silent for a pull period', { skip }, () => {
  const stream = `SILENCE_${process.pid}_${Date.now()}`;
  const subject = `silence.${process.pid}.${Date.now()}`;
  const EXPIRES_MS = 1_500;
  let nc: NatsConnection;

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.Memory });
  });
  after(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  /** Consumes for 4.5 pull periods, holding every message unsettled; the ticks a SilenceWatch(1) called silent. */
  async function silentTicks(durable: string, messages: number): Promise<{ silent: number; held: number }> {
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 4,
      filter_subject: subject,
    });
    const js = nc.jetstream();
    for (let i = 0; i < messages; i++) await js.publish(subject, new Uint8Array([i]));
    const consumer = await js.consumers.get(stream, durable);
    const msgs = await consumer.consume({ max_messages: 4, expires: EXPIRES_MS });
    const watch = new SilenceWatch(1);
    const held: JsMsg[] = [];
    let silent = 0;
    const ticker = setInterval(() => {
      if (watch.tick()) silent++;
    }, EXPIRES_MS + 300);
    void (async () => {
      for await (const _ of await msgs.status()) watch.heard();
    })();
    setTimeout(() => void msgs.close(), EXPIRES_MS * 4.5);
    for await (const m of msgs) {
      watch.heard();
      held.push(m);
    }
    clearInterval(ticker);
    for (const m of held) m.nak();
    await jsm.consumers.delete(stream, durable);
    return { silent, held: held.length };
  }

  it('hears a pull expire when there is nothing to deliver', async () => {
    const { silent, held } = await silentTicks('idle', 0);
    assert.equal(held, 0);
    assert.equal(silent, 0, 'a tick with nothing heard');
  });

  it('hears its pulls expire while it holds as many deliveries as it may (max_ack_pending)', async () => {
    const { silent, held } = await silentTicks('full', 10);
    assert.equal(held, 4, 'the server stops at max_ack_pending');
    assert.equal(silent, 0, 'a tick with nothing heard');
  });
});
