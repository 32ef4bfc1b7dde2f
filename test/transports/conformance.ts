/**
 * The transport conformance suite, in the spirit of Watermill's universal Pub/Sub tests: every transport runs it
 * from its own spec file, with the capabilities it has. A test whose capability is missing skips, saying why.
 *
 * @example
 * ```ts
 * describeTransport('memory', { persistent: false, ... }, async () => new MemoryTransport());
 * ```
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEnvelope } from '../../src/core/codec.js';
import type { Envelope } from '../../src/core/envelope.js';
import { TransportClosedError, type Delivery } from '../../src/core/transport.js';
import { startTcpProxy } from '../../harness/tcpProxy.js';
import {
  ack,
  envelope,
  hex,
  idOf,
  range,
  recordStates,
  scoped,
  settle,
  untilAttached,
  within,
  type Factory,
  type Scope,
} from './conformanceHelpers.js';
import { sleep, until } from '../../harness/poll.js';

export interface TransportFeatures {
  /** Messages outlive the transport that published them (a broker keeps them): another transport can read them. */
  readonly persistent: boolean;
  /**
   * A queue topic keeps messages published while nobody consumes it (every broker mode but core NATS, which
   * delivers only to subscribers attached at that moment). Without it, tests subscribe before they publish.
   * @default true
   */
  readonly keepsMessagesWithoutConsumers?: boolean;
  /** Messages from one publisher arrive in the order it published them. */
  readonly orderedFromOneProducer: boolean;
  /** Consumers of one queue topic share its messages. */
  readonly workQueue: boolean;
  /** Broadcast topics give every subscriber every message. */
  readonly broadcast: boolean;
  /** `nack()` has the message delivered again, with a growing `deliveryCount`. */
  readonly redeliversOnNack: boolean;
  /** Deliveries left unsettled are delivered again when their consumer goes away. */
  readonly redeliversUnackedOnConsumerDeath: boolean;
  /** `deadLetter(reason)` and `consumeDeadLetters` work. */
  readonly deadLetters: boolean;
  /** Survives a cut connection by itself (the test needs `extra.proxyTarget` and `extra.urlVia`). */
  readonly reconnects: boolean;
  /**
   * Messages a queue topic takes, beyond those its consumers hold, before `publish` waits. Leave it out when the
   * broker stores whatever it is given: then only prefetch bounds what a slow consumer makes the client hold.
   */
  readonly publishCapacity?: number;
  /** Deletes what the tests created for these topics (queues, exchanges, streams, dead-letter queues). */
  readonly cleanup?: (topicNames: string[]) => Promise<void>;
}

export interface ConformanceExtra {
  /** Where the TCP proxy of the reconnect test forwards to: the broker. */
  readonly proxyTarget?: { host: string; port: number };
  /** The URL that reaches the broker through the proxy listening on `proxyPort`. */
  readonly urlVia?: (proxyPort: number) => string;
  /** Skips the whole suite, with this reason (e.g. the broker is not reachable). */
  readonly skip?: string | false;
}

const lacks = (has: boolean, reason: string): { skip: string | false; timeout: number } => ({
  skip: has ? false : reason,
  timeout: 60_000,
});
const always = { timeout: 60_000 };

export function describeTransport(
  name: string,
  features: TransportFeatures,
  factory: Factory,
  extra: ConformanceExtra = {},
): void {
  const run = (body: (s: Scope) => Promise<void>) => () => scoped(factory, features.cleanup, body);

  describe(`transport conformance: ${name}`, { skip: extra.skip ?? false }, () => {
    it(
      'round trip: bytes intact, float and string ids, first delivery',
      always,
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'roundtrip');
        const envs: Envelope<unknown>[] = [
          envelope('rt-1', [0.5, -1.25, 3e-7]),
          envelope(1669147134.196809, 42.5),
          envelope('ünï-cødé ✓', { y_true: 1, y_pred: 2, absolute_error: 1 }),
        ];
        const keeps = features.keepsMessagesWithoutConsumers ?? true;
        let inbox = keeps ? undefined : s.inbox(t.consume(topic, { prefetch: 10 }), ack);
        if (inbox) await untilAttached(t, topic, [inbox]);
        for (const e of envs) await within(t.publish(topic, e), 'a publish');
        const raw = new TextEncoder().encode('{"id": 7, "body": [1.0, 2.5]}');
        await within(t.publishRaw(topic, raw), 'a publish');
        inbox ??= s.inbox(t.consume(topic, { prefetch: 10 }), ack);
        const got = await inbox.waitFor(4);
        const expected = [...envs.map((e) => hex(encodeEnvelope(e))), hex(raw)];
        assert.deepEqual(got.map((d) => hex(d.data)).sort(), [...expected].sort());
        assert.ok(inbox.ids().includes(1669147134.196809), 'a float id survives exactly');
        for (const d of got) {
          assert.equal(d.topic, topic.name);
          assert.equal(d.deliveryCount, 1);
          assert.equal(d.redelivered, false);
        }
      }),
    );

    it(
      'keeps the order of one producer',
      lacks(features.orderedFromOneProducer, 'no ordering guarantee'),
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'order');
        const inbox = s.inbox(t.consume(topic, { prefetch: 50 }), ack);
        // Issued in order without waiting, as a mergeMap with concurrency does.
        await within(Promise.all(range(300).map((i) => t.publish(topic, envelope(i)))), 'publishes');
        await inbox.waitFor(300);
        assert.deepEqual(inbox.ids(), range(300));
      }),
    );

    it(
      'two consumers of one queue topic share its messages: none twice, none lost',
      lacks(features.workQueue, 'no work queues'),
      run(async (s) => {
        const t1 = await s.transport();
        const t2 = features.persistent ? await s.transport() : t1;
        const topic = s.topic('queue', 'workqueue');
        // A little work per message, so that neither consumer can take everything before the other attaches.
        const slowAck = async (d: Delivery): Promise<void> => {
          await sleep(1);
          d.ack();
        };
        const a = s.inbox(t1.consume(topic, { prefetch: 10, group: 'workers' }), slowAck);
        const b = s.inbox(t2.consume(topic, { prefetch: 10, group: 'workers' }), slowAck);
        await untilAttached(t1, topic, [a, b]);
        await within(Promise.all(range(400).map((i) => t1.publish(topic, envelope(i)))), 'publishes');
        await until(() => a.deliveries.length + b.deliveries.length >= 400, '400 deliveries in all');
        await settle();
        const all = [...a.ids(), ...b.ids()];
        assert.equal(all.length, 400, 'each message delivered once');
        assert.equal(new Set(all).size, 400, 'every message delivered');
        assert.ok(a.deliveries.length > 0 && b.deliveries.length > 0, 'both consumers got messages');
      }),
    );

    it(
      'two broadcast subscribers each get every message',
      lacks(features.broadcast, 'no broadcast topics'),
      run(async (s) => {
        const t1 = await s.transport();
        const t2 = features.persistent ? await s.transport() : t1;
        const topic = s.topic('broadcast', 'broadcast');
        const a = s.inbox(t1.consume(topic, { prefetch: 50 }), ack);
        const b = s.inbox(t2.consume(topic, { prefetch: 50 }), ack);
        await untilAttached(t1, topic, [a, b]);
        await within(Promise.all(range(200).map((i) => t1.publish(topic, envelope(i)))), 'publishes');
        await Promise.all([a.waitFor(200), b.waitFor(200)]);
        await settle();
        for (const inbox of [a, b]) {
          assert.equal(inbox.deliveries.length, 200, 'no message twice');
          assert.deepEqual(
            [...inbox.distinct()].sort((x, y) => Number(x) - Number(y)),
            range(200),
          );
        }
      }),
    );

    it(
      'nack redelivers with a growing deliveryCount',
      lacks(features.redeliversOnNack, 'nack does not redeliver'),
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'nack');
        await within(t.publish(topic, envelope('n-1', [1])), 'a publish');
        const inbox = s.inbox(t.consume(topic, { prefetch: 5 }), (d) =>
          d.deliveryCount < 3 ? d.nack() : d.ack(),
        );
        const got = await inbox.waitFor(3);
        assert.deepEqual(
          got.map((d) => [idOf(d), d.deliveryCount, d.redelivered]),
          [
            ['n-1', 1, false],
            ['n-1', 2, true],
            ['n-1', 3, true],
          ],
        );
        assert.equal(hex(got[2]!.data), hex(got[0]!.data), 'the bytes are those first published');
        await settle();
        assert.equal(inbox.deliveries.length, 3, 'acked: not delivered again');
      }),
    );

    it(
      'unacked deliveries are redelivered when their consumer unsubscribes',
      lacks(features.redeliversUnackedOnConsumerDeath, 'no redelivery of unsettled messages'),
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'unsubscribed');
        for (const i of range(5)) await within(t.publish(topic, envelope(i)), 'a publish');
        const first = s.inbox(t.consume(topic, { prefetch: 10 }));
        await first.waitFor(5);
        first.stop();
        const second = s.inbox(t.consume(topic, { prefetch: 10 }), ack);
        await second.waitFor(5);
        assert.deepEqual([...second.distinct()].sort(), range(5));
        for (const d of second.deliveries)
          assert.ok(d.redelivered && d.deliveryCount >= 2, 'marked as redelivered');
      }),
    );

    it(
      'unacked deliveries are redelivered when their transport closes',
      lacks(
        features.redeliversUnackedOnConsumerDeath && features.persistent,
        'needs redelivery and persistence',
      ),
      run(async (s) => {
        const t1 = await s.transport();
        const topic = s.topic('queue', 'closed');
        for (const i of range(5)) await within(t1.publish(topic, envelope(i)), 'a publish');
        const first = s.inbox(t1.consume(topic, { prefetch: 10 }));
        await first.waitFor(5);
        await t1.close();
        const t2 = await s.transport();
        const second = s.inbox(t2.consume(topic, { prefetch: 10 }), ack);
        await second.waitFor(5);
        assert.deepEqual([...second.distinct()].sort(), range(5));
      }),
    );

    it(
      'a slow consumer holds no more than its prefetch, and a full transport holds publishers back',
      always,
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'slow');
        const prefetch = 10;
        const cap = features.publishCapacity;
        const total = cap === undefined ? 300 : cap + prefetch + 50;
        const slow = s.inbox(t.consume(topic, { prefetch }));
        await untilAttached(t, topic, [slow]);
        let resolved = 0;
        const publishes = range(total).map((i) => t.publish(topic, envelope(i)).then(() => void resolved++));
        await slow.waitFor(prefetch);
        if (cap !== undefined) {
          await until(() => resolved >= cap, `${cap} publishes taken`);
          await settle();
          assert.ok(resolved <= cap + prefetch, `${resolved} publishes resolved; capacity ${cap} + prefetch`);
          assert.ok(resolved < total, 'publishes beyond the capacity wait');
        } else {
          // The broker stores the backlog (on disk for persistent messages); the client holds only the prefetch.
          await within(Promise.all(publishes), 'the broker to take every publish');
          await settle();
        }
        assert.equal(slow.deliveries.length, prefetch, 'the consumer never holds more than its prefetch');
        for (const d of slow.deliveries) d.ack();
        slow.handler = ack;
        await within(Promise.all(publishes), 'the held-back publishes');
        await slow.waitForDistinct(total);
        assert.equal(slow.deliveries.length, total);
      }),
    );

    it(
      'close() drains publishes under way, then state$ ends with closed',
      always,
      run(async (s) => {
        const t1 = await s.transport();
        const topic = s.topic('queue', 'drain');
        const { states, completed } = recordStates(t1);
        // No consumer: stay within what the transport takes without one.
        const n = Math.min(300, features.publishCapacity ?? 300);
        const results = Promise.allSettled(range(n).map((i) => t1.publish(topic, envelope(i))));
        await within(t1.close(), 'close()');
        const settled = await within(results, 'publishes made before close()');
        assert.deepEqual(
          settled.filter((r) => r.status === 'rejected'),
          [],
          'every publish made before close() was taken',
        );
        assert.equal(states.at(-1), 'closed');
        assert.ok(completed(), 'state$ completes');
        await assert.rejects(t1.publish(topic, envelope('late')), TransportClosedError);
        await t1.close();
        if (!features.persistent) return;
        const t2 = await s.transport();
        const inbox = s.inbox(t2.consume(topic, { prefetch: 100 }), ack);
        await inbox.waitForDistinct(n);
      }),
    );

    it(
      '10,000 messages from 20 concurrent publishers all arrive, once each',
      always,
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'many');
        const inbox = s.inbox(t.consume(topic, { prefetch: 500 }), ack);
        const publishers = range(20).map(async (p) => {
          for (const i of range(500)) await t.publish(topic, envelope(`p${p}-${i}`, i));
        });
        await within(Promise.all(publishers), '20 publishers', 30_000);
        await inbox.waitForDistinct(10_000, 30_000);
        await settle();
        assert.equal(inbox.deliveries.length, 10_000);
      }),
    );

    it(
      'reconnects after the connection is cut, losing nothing',
      lacks(features.reconnects && !!extra.proxyTarget && !!extra.urlVia, 'no connection to cut'),
      run(async (s) => {
        const proxy = await startTcpProxy(extra.proxyTarget!);
        s.defer(() => proxy.close());
        const t = await s.transport({ url: extra.urlVia!(proxy.port) });
        const { states } = recordStates(t);
        const topic = s.topic('queue', 'reconnect');
        const inbox = s.inbox(t.consume(topic, { prefetch: 20 }), ack);
        for (const i of range(100)) await within(t.publish(topic, envelope(i)), 'a publish');
        await inbox.waitForDistinct(100);
        const seen = states.length;
        proxy.cut(1500);
        await until(() => states.slice(seen).includes('reconnecting'), 'state reconnecting');
        // Published while the broker is unreachable: held until the connection is back.
        const during = range(100).map((i) => t.publish(topic, envelope(100 + i)));
        await within(Promise.all(during), 'publishes made while cut off');
        await until(() => states.at(-1) === 'connected', 'state connected again');
        await inbox.waitForDistinct(200);
        assert.deepEqual(
          [...inbox.distinct()].sort((x, y) => Number(x) - Number(y)),
          range(200),
        );
      }),
    );

    it(
      'bad input is dead-lettered with its reason',
      lacks(features.deadLetters, 'no dead letters'),
      run(async (s) => {
        const t = await s.transport();
        const topic = s.topic('queue', 'deadletter');
        const garbage = Uint8Array.from([0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e, 0xff, 0x00]);
        const reason = 'not_json: message is not JSON';
        await within(t.publishRaw(topic, garbage, 'garbage-1'), 'a publish');
        await within(t.publish(topic, envelope('after')), 'a publish');
        const inbox = s.inbox(t.consume(topic, { prefetch: 1 }), (d) =>
          idOf(d) === 'after' ? d.ack() : d.deadLetter(reason),
        );
        await inbox.waitFor(2);
        await within(Promise.all(inbox.handled), 'deadLetter()');
        if (features.orderedFromOneProducer)
          assert.equal(idOf(inbox.deliveries[1]!), 'after', 'not redelivered');
        const dead = s.inbox(t.consumeDeadLetters(topic), ack);
        const [d] = await dead.waitFor(1);
        assert.equal(hex(d!.data), hex(garbage), 'the original bytes');
        assert.equal(d!.deadLetterReason, reason);
        await settle();
        assert.equal(dead.deliveries.length, 1);
      }),
    );
  });
}
