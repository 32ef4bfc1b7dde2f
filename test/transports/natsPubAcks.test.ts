/**
 * JetStream publishes pipelined over one inbox (src/transports/nats/pubAcks.ts), against the real server: a
 * publish resolves only once the stream stored the message, and every way of not being stored rejects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { jsErrorCode } from '../../src/transports/nats/topology.js';
import { PubAckMissingError, PubAcks } from '../../src/transports/nats/pubAcks.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';

const skip = await brokerReachable('nats', NATS_URL);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('nats JetStream publishes with pipelined PubAcks', { skip }, () => {
  const stream = `PUBACKS_${process.pid}_${Date.now()}`;
  const subject = `pubacks.${process.pid}.${Date.now()}`;
  let nc: NatsConnection;
  let acks: PubAcks;

  before(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({
      name: stream,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      max_msg_size: 64,
    });
    acks = new PubAcks(nc, 5_000);
  });
  after(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  const stored = async (): Promise<number> =>
    (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;

  it('resolves once stored, for many publishes in flight at once', async () => {
    const before = await stored();
    await Promise.all(Array.from({ length: 500 }, (_, i) => acks.publish(subject, bytes(`m${i}`))));
    assert.equal((await stored()) - before, 500);
  });

  it('stores a message published twice under one id once', async () => {
    const before = await stored();
    await acks.publish(subject, bytes('once'), 'the-same-id');
    await acks.publish(subject, bytes('once'), 'the-same-id');
    assert.equal((await stored()) - before, 1);
  });

  it('rejects with the stream error when the stream refuses the message', async () => {
    const refused = await acks.publish(subject, bytes('x'.repeat(200))).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(
      jsErrorCode(refused),
      10054,
      `expected "message size exceeds maximum allowed", got ${String(refused)}`,
    );
  });

  it('rejects with 503 when no stream stores the subject', async () => {
    const missing = await acks.publish(`nostream.${subject}`, bytes('x')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof PubAckMissingError, String(missing));
    assert.equal(missing.code, '503');
  });

  it('rejects once its connection is closed', async () => {
    const other = await connect({ servers: NATS_URL });
    const closedAcks = new PubAcks(other, 5_000);
    await other.close();
    await assert.rejects(closedAcks.publish(subject, bytes('late')), PubAckMissingError);
  });
});
