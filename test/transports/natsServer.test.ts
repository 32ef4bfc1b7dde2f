/**
 * The NATS transport against an nats-server of its own (free port, temp store), which the tests start late,
 * kill and restart: connection state, nothing lost across a server crash, credentials never printed.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Subscription } from 'rxjs';
import { queueTopic } from '../../src/core/topics.js';
import { PermanentConnectionError } from '../../src/core/connectionFailure.js';
import type { ConnectionState, Delivery, Transport } from '../../src/core/transport.js';
import { createNatsTransport, type NatsTransportOptions } from '../../src/transports/nats/index.js';
import { consumerBacklog, NATS_SERVER_BIN, OwnNatsServer, uniqueName } from '../../harness/natsServer.js';
import { existsSync } from 'node:fs';
import { sleep, until } from '../../harness/poll.js';

const skip = existsSync(NATS_SERVER_BIN) ? false : `${NATS_SERVER_BIN} is not installed`;
const servers: OwnNatsServer[] = [];
const transports: Transport[] = [];
const subs: Subscription[] = [];

/** Waits span a nats-server restart. */
const SERVER_WAIT = { timeoutMs: 15_000 };
const idOf = (d: Delivery): unknown => (JSON.parse(new TextDecoder().decode(d.data)) as { id: unknown }).id;

async function server(args: string[] = []): Promise<OwnNatsServer> {
  const s = await OwnNatsServer.create({ args });
  servers.push(s);
  return s;
}

async function transport(options: NatsTransportOptions, lines: string[] = []) {
  const t = await createNatsTransport({
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 300,
    reconnectJitterMs: 50,
    closeTimeoutMs: 2_000,
    logger: (level, m) => lines.push(`${level}: ${m}`),
    ...options,
  });
  transports.push(t);
  const states: ConnectionState[] = [];
  t.state$.subscribe((s) => states.push(s));
  return { t, states, lines };
}

/** Consumes and acks `topic`, collecting the distinct ids. */
function drain(t: Transport, name: string): Set<unknown> {
  const ids = new Set<unknown>();
  subs.push(
    t.consume(queueTopic(name)).subscribe((d) => {
      ids.add(idOf(d));
      d.ack();
    }),
  );
  return ids;
}

after(async () => {
  subs.forEach((s) => s.unsubscribe());
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.dispose()));
});

describe('nats transport with a server of its own', { skip, timeout: 60_000 }, () => {
  it('starts before its server: connecting, reconnecting, then connected, and the early publish lands', async () => {
    const s = await server();
    const { t, states } = await transport({ url: s.url });
    const q = uniqueName('late');
    const early = t.publish(queueTopic(q), { id: 'early', body: [1] });
    await until(() => states.includes('reconnecting'), 'reconnecting', SERVER_WAIT);
    await s.start();
    await early;
    const ids = drain(t, q);
    await until(() => ids.has('early'), 'the early record', SERVER_WAIT);
    assert.deepEqual(states.slice(0, 2), ['connecting', 'reconnecting']);
    assert.equal(states.at(-1), 'connected');
  });

  it('warns on every reconnect attempt while its server is away, counting them', async () => {
    const s = await server();
    await s.start();
    const { states, lines } = await transport({ url: s.url, mode: 'core' });
    await until(() => states.at(-1) === 'connected', 'connected', SERVER_WAIT);
    await s.stop();
    const attempts = (): number[] =>
      lines.flatMap((l) => {
        const m = /^warn: still disconnected: connecting to .* again \(attempt (\d+)\)$/.exec(l);
        return m ? [Number(m[1])] : [];
      });
    await until(() => attempts().length >= 3, 'three counted reconnect warnings', SERVER_WAIT);
    await s.start();
    await until(() => states.at(-1) === 'connected', 'connected again', SERVER_WAIT);
    const counted = attempts();
    assert.deepEqual(counted.slice(0, 3), [2, 3, 4], lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith('info: reconnected to')),
      lines.join('\n'),
    );
  });

  it('loses nothing when the server is killed and restarted with its store', async () => {
    const s = await server();
    await s.start();
    const { t, states } = await transport({ url: s.url, streamPrefix: 'CRASH_' });
    const q = uniqueName('crash');
    const ids = drain(t, q);
    for (let i = 0; i < 100; i++) await t.publish(queueTopic(q), { id: i, body: [i] });
    await until(() => ids.size === 100, 'the first 100', SERVER_WAIT);
    await s.stop(true);
    await until(() => states.at(-1) === 'reconnecting', 'reconnecting', SERVER_WAIT);
    const during = Array.from({ length: 50 }, (_, i) => t.publish(queueTopic(q), { id: 100 + i, body: [i] }));
    await sleep(300);
    await s.start();
    await Promise.all(during);
    await until(() => ids.size === 150, `all 150 (got ${ids.size})`, SERVER_WAIT);
    let backlog = await consumerBacklog(s.url, `CRASH_${q}`, q);
    for (let i = 0; i < 50 && backlog.pending + backlog.ackPending > 0; i++) {
      await sleep(100);
      backlog = await consumerBacklog(s.url, `CRASH_${q}`, q);
    }
    assert.deepEqual([backlog.pending, backlog.ackPending], [0, 0]);
  });

  it('authenticates with user and password from the URL, and never prints them', async () => {
    const secret = 'pa55-Secret-xyz';
    const s = await server(['--user', 'pipeline', '--pass', secret]);
    await s.start();
    const good = await transport({ url: `nats://pipeline:${secret}@127.0.0.1:${s.port}`, mode: 'core' });
    const q = uniqueName('auth');
    const ids = drain(good.t, q);
    await sleep(100);
    await good.t.publish(queueTopic(q), { id: 'ok', body: [1] });
    await until(() => ids.has('ok'), 'a record over an authenticated connection', SERVER_WAIT);

    const wrong = 'wr0ng-Secret-abc';
    const bad = await transport({ url: `nats://pipeline:${wrong}@127.0.0.1:${s.port}` });
    const stuck = bad.t.publish(queueTopic(q), { id: 'never', body: [1] });
    await until(
      () => bad.lines.some((l) => /authorization/i.test(l)),
      'the authorization error in the log',
      SERVER_WAIT,
    );
    await bad.t.close();
    const error = await stuck.then(
      () => assert.fail('a publish cannot succeed with a wrong password'),
      (e: unknown) => e as Error,
    );
    // Refused credentials are permanent: no retry, and the publish fails with the reason.
    assert.ok(error instanceof PermanentConnectionError && error.reason === 'credentials', error.message);
    assert.ok(!bad.lines.some((l) => /attempt 2/.test(l)), `no retry:\n${bad.lines.join('\n')}`);
    const everything = [...good.lines, ...bad.lines, error.message, String(error.stack)].join('\n');
    for (const s of [secret, wrong]) assert.ok(!everything.includes(s), `a password leaked:\n${everything}`);
    assert.deepEqual(bad.states, ['connecting', 'closed']);
  });

  it('authenticates with a token from the URL, and never prints it', async () => {
    const token = 't0ken-Secret-123';
    const s = await server(['--auth', token]);
    await s.start();
    const { t, lines } = await transport({
      url: `nats://${token}@127.0.0.1:${s.port}`,
      streamPrefix: 'TOK_',
    });
    const q = uniqueName('token');
    await t.publish(queueTopic(q), { id: 'ok', body: [1] });
    const ids = drain(t, q);
    await until(() => ids.has('ok'), 'a record over a token connection', SERVER_WAIT);
    assert.ok(
      lines.some((l) => l.includes(`127.0.0.1:${s.port}`)),
      'the server is named',
    );
    assert.ok(!lines.join('\n').includes(token), `the token leaked:\n${lines.join('\n')}`);
  });
});
