/**
 * Classification of connection errors, over the shapes amqplib 2.3, nats.js 2.29 and Node 20 really produce (each
 * observed against RabbitMQ, nats-server 2.9.10 and TLS servers with a throwaway CA). Pure, no broker.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyConnectionError,
  invalidUrl,
  PermanentConnectionError,
  type ConnectionContext,
  type PermanentReason,
} from '../../src/core/connectionFailure.js';

const amqp: ConnectionContext = {
  broker: 'amqp',
  url: 'amqp://guest:***@127.0.0.1:5672/no-such-vhost',
  user: 'guest',
  vhost: 'no-such-vhost',
};
const nats: ConnectionContext = { broker: 'nats', url: 'nats://127.0.0.1:4222' };

/** An Error with the extra fields Node, amqplib or nats.js put on it. */
function observed(message: string, fields: Record<string, unknown> = {}, name = 'Error'): Error {
  const e = Object.assign(new Error(message), fields);
  e.name = name;
  return e;
}

const reasonOf = (e: unknown, c: ConnectionContext): PermanentReason | 'transient' =>
  classifyConnectionError(e, c)?.reason ?? 'transient';

describe('classifyConnectionError', () => {
  it('refused credentials are permanent, and the message says so with the fix', () => {
    const rabbit = observed(
      'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused ' +
        'using authentication mechanism PLAIN. For details see the broker logfile."',
    );
    const f = classifyConnectionError(rabbit, amqp);
    assert.ok(f instanceof PermanentConnectionError);
    assert.equal(f.reason, 'credentials');
    assert.match(
      f.message,
      /^the credentials were refused by RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1/,
    );
    assert.match(f.message, /403 ACCESS_REFUSED for user "guest"/);
    assert.match(f.message, /fix the user and password in --url/);

    // nats.js, for a wrong token, a missing one, or a user and password where a token is expected.
    const natsError = observed("'Authorization Violation'", { code: 'AUTHORIZATION_VIOLATION' }, 'NatsError');
    const n = classifyConnectionError(natsError, nats);
    assert.equal(n?.reason, 'credentials');
    assert.match(n?.message ?? '', /credentials were refused by nats-server at nats:\/\/127\.0\.0\.1:4222/);
    assert.match(n?.message ?? '', /NATS_TOKEN/);
    // As a status event on a reconnect, nats.js gives the code alone.
    assert.equal(
      reasonOf({ code: 'AUTHORIZATION_VIOLATION', message: 'AUTHORIZATION_VIOLATION' }, nats),
      'credentials',
    );
  });

  it("RabbitMQ's close in answer to connection.open is an unknown (or forbidden) virtual host", () => {
    const f = classifyConnectionError(
      observed('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'),
      amqp,
    );
    assert.equal(f?.reason, 'vhost');
    assert.match(f?.message ?? '', /would not open virtual host "no-such-vhost"/);
    assert.match(f?.message ?? '', /rabbitmqctl add_vhost no-such-vhost/);
  });

  it('a certificate that leads to no trusted CA is permanent, and names --tls-ca', () => {
    for (const [message, code] of [
      ['unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      ['self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'],
      ['unable to get local issuer certificate', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ] as const) {
      const f = classifyConnectionError(observed(message, { code }), nats);
      assert.equal(f?.reason, 'tls-untrusted', code);
      assert.match(f?.message ?? '', /certificate of nats-server at .* was not trusted .*--tls-ca FILE/);
    }
  });

  it('a certificate for another host, or expired, is permanent', () => {
    const mismatch = observed(
      "Hostname/IP does not match certificate's altnames: Host: wrong.example. is not in the cert's altnames: " +
        'DNS:localhost, IP Address:127.0.0.1',
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: '…', host: 'wrong.example' },
    );
    assert.equal(reasonOf(mismatch, amqp), 'tls-hostname');
    assert.equal(
      reasonOf(observed('certificate has expired', { code: 'CERT_HAS_EXPIRED' }), amqp),
      'tls-certificate',
    );
  });

  it('TLS asked of a server that does not speak it is permanent', () => {
    // nats.js with a tls option against a plain nats-server.
    assert.equal(reasonOf(observed('tls', { code: 'SERVER_OPT_NA' }, 'NatsError'), nats), 'tls-unavailable');
    // amqplib with amqps:// against a plain AMQP port.
    const openssl = observed(
      '802C2B0A587F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/' +
        'ssl/record/ssl3_record.c:350:\n',
      { code: 'ERR_SSL_WRONG_VERSION_NUMBER', library: 'SSL routines', reason: 'wrong version number' },
    );
    assert.equal(reasonOf(openssl, amqp), 'tls-unavailable');
    // Another server option nats.js lacks is not about TLS.
    assert.equal(reasonOf(observed('headers', { code: 'SERVER_OPT_NA' }, 'NatsError'), nats), 'transient');
  });

  it('an unparsable URL reported by a client is permanent', () => {
    // nats.js hands a server URL to Node's URL parser, which throws a TypeError with this code.
    assert.equal(
      reasonOf(observed('Invalid URL', { code: 'ERR_INVALID_URL', input: 'nats://h:x' }, 'TypeError'), nats),
      'url',
    );
  });

  it('a broker that is down, starting, unreachable or not yet in DNS is transient', () => {
    const transient = [
      observed('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' }),
      observed('read ECONNRESET', { code: 'ECONNRESET', errno: -104, syscall: 'read' }),
      observed('getaddrinfo ENOTFOUND rabbitmq', { code: 'ENOTFOUND', syscall: 'getaddrinfo' }),
      observed('getaddrinfo EAI_AGAIN rabbitmq', { code: 'EAI_AGAIN', syscall: 'getaddrinfo' }),
      observed('connect ETIMEDOUT'),
      // amqplib, when the broker closes the socket while it starts or stops (or a plain client meets a TLS port).
      observed('Socket closed abruptly during opening handshake'),
      observed(
        'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced ' +
          "connection closure with reason 'shutdown'\"",
      ),
      // nats.js: refused (with the socket error chained), and a handshake that got no answer in time.
      observed('CONNECTION_REFUSED', { code: 'CONNECTION_REFUSED' }, 'NatsError'),
      observed('TIMEOUT', { code: 'TIMEOUT' }, 'NatsError'),
      'a string thrown',
      undefined,
    ];
    for (const e of transient) {
      assert.equal(reasonOf(e, amqp), 'transient', String(e instanceof Error ? e.message : e));
      assert.equal(reasonOf(e, nats), 'transient', String(e instanceof Error ? e.message : e));
    }
  });

  it('passes a permanent failure through as it is', () => {
    const f = invalidUrl('amqp', 'http://h', 'wrong scheme');
    assert.equal(classifyConnectionError(f, amqp), f);
  });
});

describe('invalidUrl', () => {
  it('says what is wrong and shows a URL to copy, with no credentials shaped like a real one', () => {
    const f = invalidUrl('nats', 'nats://***@[bad', 'it cannot be parsed');
    assert.equal(f.reason, 'url');
    assert.match(f.message, /^the broker URL nats:\/\/\*\*\*@\[bad is not valid \(it cannot be parsed\)/);
    assert.match(f.message, /nats:\/\/host:4222 or tls:\/\/host:4222/);
    assert.match(invalidUrl('amqp', 'x', 'y').message, /AMQP_URL/);
  });
});
