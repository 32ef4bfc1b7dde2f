/**
 * Core mode warns when JetStream streams on the same server would store its messages (see capturingStreams.ts).
 * Against the real nats-server, with subjects of this test's own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { capturingStreams, capturingStreamsWarning } from '../../src/transports/nats/capturingStreams.js';
import { brokerReachable, NATS_URL } from '../../harness/brokers.js';

const skip = await brokerReachable('nats', NATS_URL);
const tag = randomBytes(4).toString('hex');
const stream = `TEST_CAPTURE_${tag}`;
const captured = `capture_${tag}.features`;
const free = `capture_${tag}.y_pred`;

describe('capturingStreams', { skip }, () => {
  let nc: NatsConnection;
  before(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [captured], max_msgs: 10 });
  });
  after(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('names the streams that capture a subject, and only those', async () => {
    assert.deepEqual(await capturingStreams(nc, [captured, free]), [`${stream} (${captured})`]);
    assert.deepEqual(await capturingStreams(nc, [free]), []);
  });

  it('says what happens and what to do', () => {
    const one = capturingStreamsWarning([`${stream} (${captured})`]);
    assert.match(
      one,
      new RegExp(`stream ${stream} \\(${captured.replace('.', '\\.')}\\) also stores every message`),
    );
    assert.match(one, /a JetStream run reading it would process them again/);
    assert.match(one, /older version moves to subjects of its own/);
    assert.match(one, /nats stream rm/);
    assert.match(
      capturingStreamsWarning(['A (features)', 'B (y_true)']),
      /streams A \(features\), B \(y_true\) also store /,
    );
  });
});
