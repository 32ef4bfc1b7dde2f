/**
 * The partition leases against the real brokers: one holder at a time, a waiter that gets the lease once the
 * holder lets go, and (NATS) a holder that learns it lost the lease. Each test uses a lease name of its own.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect } from 'nats';
import type { LogLevel } from '../../src/core/log.js';
import { acquireAmqpLease } from '../../src/transports/amqp/partitionLease.js';
import { acquireNatsLease, LEASE_BUCKET } from '../../src/transports/nats/partitionLease.js';
import { AMQP_URL, brokerReachable, NATS_URL } from '../../harness/brokers.js';
import { sleep } from '../../harness/poll.js';

const amqpSkip = await brokerReachable('rabbitmq', AMQP_URL);
const natsSkip = await brokerReachable('nats', NATS_URL);
const unique = (what: string): string => `test.lease.${what}.${process.pid}.${Date.now()}`;

/** A logger that keeps the lines. */
function lines(): { log: (level: LogLevel, message: string) => void; text: () => string } {
  const got: string[] = [];
  return { log: (_level, message) => void got.push(message), text: () => got.join('\n') };
}

describe('partition leases', () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanup) await c();
    if (natsSkip) return;
    // The bucket these tests created (the leases' keys are gone with their holders).
    const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
    try {
      await (await nc.jetstreamManager()).streams.delete(`KV_${LEASE_BUCKET}`).catch(() => false);
    } finally {
      await nc.close();
    }
  });

  for (const [name, skip, acquire] of [
    [
      'amqp',
      amqpSkip,
      (o: Parameters<typeof acquireAmqpLease>[0]) => acquireAmqpLease({ ...o, url: AMQP_URL }),
    ],
    [
      'nats',
      natsSkip,
      (o: Parameters<typeof acquireNatsLease>[0]) => acquireNatsLease({ ...o, url: NATS_URL }),
    ],
  ] as const) {
    it(`${name}: a second process waits until the holder lets go`, { timeout: 30_000 }, async (t) => {
      if (skip) return t.skip(skip);
      const lease = unique('handover');
      const stop = new AbortController();
      cleanup.push(() => Promise.resolve(stop.abort()));
      const first = await acquire({ name: lease, signal: stop.signal, log: () => undefined, retryMs: 100 });
      assert.ok(first, 'the first process gets the lease');
      const second = lines();
      let secondHolds = false;
      const waiting = acquire({ name: lease, signal: stop.signal, log: second.log, retryMs: 100 }).then(
        (l) => {
          secondHolds = true;
          return l;
        },
      );
      await sleep(1000);
      assert.equal(secondHolds, false, 'no second holder while the first holds the lease');
      assert.match(second.text(), /waiting for the lease/);
      await first.release();
      const lease2 = await waiting;
      assert.ok(lease2, 'the second process gets the lease once the first let go');
      const lostAfterRelease = await Promise.race([
        first.lost.then(() => true),
        sleep(300).then(() => false),
      ]);
      assert.equal(lostAfterRelease, false, 'a released lease is not reported lost');
      await lease2.release();
    });

    it(`${name}: an aborted wait resolves to undefined`, { timeout: 30_000 }, async (t) => {
      if (skip) return t.skip(skip);
      const lease = unique('abort');
      const stop = new AbortController();
      const holder = await acquire({ name: lease, signal: stop.signal, log: () => undefined });
      assert.ok(holder);
      const waiter = new AbortController();
      const waiting = acquire({ name: lease, signal: waiter.signal, log: () => undefined, retryMs: 100 });
      await sleep(300);
      waiter.abort();
      assert.equal(await waiting, undefined);
      await holder.release();
    });
  }

  it(
    'nats: a holder whose key another process took reports the lease lost',
    { timeout: 30_000 },
    async (t) => {
      if (natsSkip) return t.skip(natsSkip);
      const lease = unique('lost');
      const stop = new AbortController();
      const holder = await acquireNatsLease({
        url: NATS_URL,
        name: lease,
        signal: stop.signal,
        log: () => undefined,
        ttlMs: 1500,
      });
      assert.ok(holder);
      // Behind the holder's back: the key is deleted and taken by someone else.
      const nc = await connect({ servers: NATS_URL, name: 'rx-ml-pipeline-tests' });
      try {
        const kv = await nc.jetstream().views.kv(LEASE_BUCKET);
        await kv.delete(lease);
        await kv.create(lease, new TextEncoder().encode('someone else'));
        const lost = await holder.lost;
        assert.match(lost.message, /lost the partition lease/);
        await kv.purge(lease);
      } finally {
        await nc.close();
      }
      await holder.release();
    },
  );
});
