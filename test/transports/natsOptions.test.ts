/** Option resolution of the NATS transport: defaults, environment, credentials out of the URL. Pure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PREFETCH } from '../../src/core/transport.js';
import { PermanentConnectionError } from '../../src/core/connectionFailure.js';
import {
  backoffDelayMs,
  DEFAULT_NATS_URL,
  NATS_DEFAULTS,
  resolveNatsOptions,
  splitCredentials,
  streamReplicas,
} from '../../src/transports/nats/options.js';

describe('nats options', () => {
  it('defaults to a local JetStream server and the shared prefetch', () => {
    const o = resolveNatsOptions({});
    assert.deepEqual(o.servers, [DEFAULT_NATS_URL]);
    assert.equal(o.mode, 'jetstream');
    assert.equal(o.prefetch, DEFAULT_PREFETCH);
    assert.equal(o.ackWaitMs, NATS_DEFAULTS.ackWaitMs);
    assert.equal(o.streamPrefix, 'PIPELINE_');
    assert.equal(o.token, undefined);
  });

  it('reads NATS_URL, NATS_TOKEN, NATS_CREDS and NATS_NKEY; explicit options win', () => {
    const env = {
      NATS_URL: 'nats://nats:4222',
      NATS_TOKEN: 'tok',
      NATS_CREDS: '/c.creds',
      NATS_NKEY: '/seed',
    };
    const o = resolveNatsOptions({}, env);
    assert.deepEqual(
      [o.servers, o.token, o.credsFile, o.nkeySeedFile],
      [['nats://nats:4222'], 'tok', '/c.creds', '/seed'],
    );
    const explicit = resolveNatsOptions({ url: 'nats://other:1', credsFile: '/x' }, env);
    assert.deepEqual([explicit.servers, explicit.credsFile], [['nats://other:1'], '/x']);
  });

  it('takes user and password, or a token, out of the URL', () => {
    assert.deepEqual(splitCredentials('nats://pipeline:p%40ss@10.0.0.1:4222'), {
      servers: ['nats://10.0.0.1:4222'],
      user: 'pipeline',
      pass: 'p@ss',
    });
    assert.deepEqual(splitCredentials('nats://s3cr3t@host:4222'), {
      servers: ['nats://host:4222'],
      token: 's3cr3t',
    });
    const several = resolveNatsOptions({ url: 'nats://u:pw@a:4222, nats://b:4223,c:4224' });
    assert.deepEqual(several.servers, ['nats://a:4222', 'nats://b:4223', 'nats://c:4224']);
    assert.equal(several.displayUrl, 'nats://a:4222,nats://b:4223,nats://c:4224');
    assert.equal(several.pass, 'pw');
    assert.equal(resolveNatsOptions({ url: 'nats://tok@a:1', token: 'other' }).token, 'tok');
  });

  it('takes a list of cluster servers from NATS_URL too', () => {
    const o = resolveNatsOptions({}, { NATS_URL: 'nats://n1:4222,nats://n2:4222,' });
    assert.deepEqual(o.servers, ['nats://n1:4222', 'nats://n2:4222']);
  });

  it('creates streams with 1, 3 or 5 replicas, and nothing else', () => {
    assert.equal(resolveNatsOptions({}).replicas, 1);
    assert.equal(resolveNatsOptions({ replicas: 3 }).replicas, 3);
    assert.equal(streamReplicas(5), 5);
    for (const bad of [0, 2, 4, 7, 3.5, '3', undefined])
      assert.throws(() => streamReplicas(bad, '--replicas'), /--replicas must be one of 1, 3, 5/);
    assert.throws(() => resolveNatsOptions({ replicas: 2 }), /replicas must be one of/);
  });

  it('refuses bad values without echoing a password', () => {
    assert.throws(() => resolveNatsOptions({ prefetch: 0 }), /prefetch/);
    assert.throws(() => resolveNatsOptions({ mode: 'fast' as 'core' }), /mode/);
    assert.throws(
      () => resolveNatsOptions({ url: 'nats://u:hunter2@[bad' }),
      (e: Error) =>
        e instanceof PermanentConnectionError &&
        e.reason === 'url' &&
        !e.message.includes('hunter2') &&
        /broker URL nats:\/\/u:\*\*\*@\[bad is not valid/.test(e.message),
    );
    assert.throws(() => resolveNatsOptions({ url: ' , ' }), /no NATS server/);
    assert.throws(
      () => resolveNatsOptions({ url: 'http://h:4222' }),
      /must start with nats:\/\/ or tls:\/\//,
    );
    assert.throws(() => resolveNatsOptions({ url: 'nats://127.0.0.1:notaport' }), /cannot be parsed/);
  });

  it('requires TLS when TLS material is given or a URL says tls://', () => {
    assert.equal(resolveNatsOptions({ url: 'nats://a:4222' }).tls, undefined);
    assert.equal(resolveNatsOptions({ url: 'nats://a:4222', tls: {} }).tls, undefined);
    assert.deepEqual(resolveNatsOptions({ url: 'nats://a:4222', tls: { ca: 'PEM' } }).tls, { ca: 'PEM' });
    assert.deepEqual(resolveNatsOptions({ url: 'tls://a:4222' }).tls, {});
    assert.deepEqual(resolveNatsOptions({ url: 'tls://a:4222' }).servers, ['tls://a:4222']);
  });

  it('backs off exponentially to a cap, plus jitter', () => {
    const o = { reconnectDelayMs: 100, maxReconnectDelayMs: 1000, reconnectJitterMs: 50 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10, 1e6].map((a) => backoffDelayMs(a, o, () => 0)),
      [100, 200, 400, 800, 1000, 1000, 1000],
    );
    assert.equal(
      backoffDelayMs(0, o, () => 1),
      150,
    );
  });
});
