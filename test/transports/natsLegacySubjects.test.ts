/**
 * Streams created by older versions on the bare topic names are moved to the subjects of their own at the first
 * JetStream start, losing nothing they hold; replica counts of existing streams are left alone. Against a
 * nats-server of the test's own, with streams made the way an older version made them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, connect, headers, RetentionPolicy, type NatsConnection } from 'nats';
import { firstValueFrom, take, tap, timeout, toArray, type Observable } from 'rxjs';
import { queueTopic } from '../../src/core/topics.js';
import type { Delivery, Transport } from '../../src/core/transport.js';
import { createNatsTransport } from '../../src/transports/nats/index.js';
import { DEAD_LETTER_REASON_HEADER } from '../../src/transports/nats/deadLetter.js';
import { OwnNatsServer } from '../../harness/natsServer.js';

const TOPIC = queueTopic('legacy_t');
const STREAM = 'PIPELINE_legacy_t';
const DEAD_STREAM = 'PIPELINE_legacy_t_dead_letter';
const STORED = 300;

const text = (d: Delivery): string => new TextDecoder().decode(d.data);
const collect = (o: Observable<Delivery>, n: number): Promise<Delivery[]> =>
  firstValueFrom(o.pipe(take(n), toArray(), timeout(20_000)));

describe('streams of older versions', () => {
  let server: OwnNatsServer;
  let nc: NatsConnection;
  const logs: string[] = [];
  const open: Transport[] = [];
  before(async () => {
    server = await OwnNatsServer.create();
    await server.start();
    nc = await connect({ servers: server.url });
    // As an older version left them: the bare subjects, a durable consumer on them, messages waiting.
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: STREAM, subjects: ['legacy_t'], retention: RetentionPolicy.Workqueue });
    await jsm.streams.add({
      name: DEAD_STREAM,
      subjects: ['legacy_t.dead_letter'],
      retention: RetentionPolicy.Workqueue,
    });
    await jsm.consumers.add(STREAM, {
      durable_name: 'model',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'legacy_t',
    });
    const js = nc.jetstream();
    for (let i = 0; i < STORED; i++)
      await js.publish('legacy_t', new TextEncoder().encode(`m${i}`), { msgID: `r${i}` });
    const h = headers();
    h.set(DEAD_LETTER_REASON_HEADER, 'bad_body: old');
    await js.publish('legacy_t.dead_letter', new TextEncoder().encode('dead'), { headers: h });
  });
  after(async () => {
    await Promise.all(open.map((t) => t.close()));
    await nc.close();
    await server.dispose();
  });

  const make = async (replicas: 1 | 3 = 1): Promise<Transport> => {
    const t = await createNatsTransport({
      url: server.url,
      replicas,
      logger: (level, m) => logs.push(`${level}: ${m}`),
    });
    open.push(t);
    return t;
  };

  it('moves the stream to its new subject and delivers every message it held, once', async () => {
    const t = await make(3);
    // Acked as they come: the consumer holds at most its prefetch (256) unacked.
    const got = await collect(t.consume(TOPIC, { group: 'model' }).pipe(tap((d) => d.ack())), STORED);
    assert.deepEqual(got.map(text).sort(), Array.from({ length: STORED }, (_, i) => `m${i}`).sort());
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(STREAM, { subjects_filter: '>' });
    assert.deepEqual(info.config.subjects, ['pipeline.legacy_t']);
    assert.equal(info.state.subjects?.legacy_t ?? 0, 0, 'nothing left under the old subject');
    assert.equal((await jsm.consumers.info(STREAM, 'model')).config.filter_subject, 'pipeline.legacy_t');
    assert.ok(
      logs.some((l) => /^info: stream PIPELINE_legacy_t was created by an older version/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => l.startsWith(`info: stream ${STREAM}: moved ${STORED} message(s)`)),
      logs.join('\n'),
    );
    // Asked for 3 replicas on one server: the existing stream is used as it is, with a warning.
    assert.ok(logs.some((l) => /^warn: stream PIPELINE_legacy_t exists with 1 replica\(s\), not 3/.test(l)));
  });

  it('moves the dead letters with their reasons', async () => {
    const t = await make();
    const [d] = await collect(t.consumeDeadLetters(TOPIC), 1);
    assert.ok(d);
    assert.equal(text(d), 'dead');
    assert.equal(d.deadLetterReason, 'bad_body: old');
    d.ack();
  });

  it('no longer stores core publishes on the bare subject', async () => {
    nc.publish('legacy_t', new TextEncoder().encode('core'));
    await nc.flush();
    const jsm = await nc.jetstreamManager();
    assert.equal((await jsm.streams.info(STREAM)).state.messages, 0);
  });

  it('refuses to create a stream with more replicas than servers, saying why', async () => {
    const t = await make(3);
    await assert.rejects(
      t.publish(queueTopic('legacy_new'), { id: 'x', body: [1] }),
      /cannot create stream PIPELINE_legacy_new with 3 replica\(s\).*needs a JetStream cluster/,
    );
  });
});
