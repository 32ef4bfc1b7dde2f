/**
 * Which connection errors are worth waiting out and which are not. A broker that is down, restarting or not yet
 * resolvable in DNS comes back by itself, so the transports retry those forever with backoff. Refused
 * credentials, a RabbitMQ virtual host that does not exist, a certificate that cannot be trusted or a URL that
 * cannot be parsed never heal by waiting: retrying them only hides the mistake behind a stream of warnings. Those
 * are *permanent*, and end the command at once with one line that names the cause and the fix.
 *
 * Pure: classification reads only the error's `code` and `message` (as amqplib, nats.js and Node's `net`/`tls`
 * report them; the shapes are listed in test/core/connectionFailure.test.ts) and the context passed in.
 *
 * @example
 * ```ts
 * const failure = classifyConnectionError(err, { broker: 'amqp', url: 'amqp://guest:***@host:5672/vh' });
 * if (failure) stopRetrying(failure); // "the credentials were refused by RabbitMQ at …: fix the user …"
 * else scheduleRetry();
 * ```
 */

/** Why a connection can never succeed as configured. */
export type PermanentReason =
  'credentials' | 'vhost' | 'tls-untrusted' | 'tls-hostname' | 'tls-certificate' | 'tls-unavailable' | 'url';

/** A connection error that waiting cannot fix. Its message is one line: the cause, then the fix. */
export class PermanentConnectionError extends Error {
  override readonly name = 'PermanentConnectionError';
  constructor(
    readonly reason: PermanentReason,
    message: string,
  ) {
    super(message);
  }
}

export type BrokerKind = 'amqp' | 'nats';

/** What the classifier may say about the connection. Nothing in it may hold a password. */
export interface ConnectionContext {
  readonly broker: BrokerKind;
  /** The URL as it may be shown (credentials redacted). */
  readonly url: string;
  /** RabbitMQ: the user and the virtual host the URL names. */
  readonly user?: string;
  readonly vhost?: string;
}

const BROKER_NAME: Record<BrokerKind, string> = { amqp: 'RabbitMQ', nats: 'nats-server' };

/** The broker's own words for refused credentials, for searching its log and documentation. */
const CREDENTIALS_REPLY: Record<BrokerKind, string> = {
  amqp: '403 ACCESS_REFUSED',
  nats: 'Authorization Violation',
};

const CREDENTIALS_FIX: Record<BrokerKind, string> = {
  amqp: 'fix the user and password in --url (or AMQP_URL)',
  nats: 'fix the token or user and password in --url (or NATS_URL, NATS_TOKEN), or the NATS_CREDS / NATS_NKEY file',
};

/** Node's codes for a certificate chain that does not lead to a CA we trust. */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Other verdicts on the server's certificate that a retry gets again. */
const REJECTED_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'INVALID_PURPOSE',
]);

interface ErrorShape {
  readonly code: string;
  readonly message: string;
}

function shapeOf(error: unknown): ErrorShape {
  if (typeof error !== 'object' || error === null) return { code: '', message: String(error) };
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : '',
    // An object without a message says nothing the classifier reads.
    message: typeof message === 'string' ? message : '',
  };
}

/**
 * The permanent failure `error` stands for, or `undefined` when it is transient (refused or reset connections,
 * DNS not ready, timeouts, a broker shutting down) and the connection should be tried again.
 */
export function classifyConnectionError(
  error: unknown,
  context: ConnectionContext,
): PermanentConnectionError | undefined {
  if (error instanceof PermanentConnectionError) return error;
  const { code, message } = shapeOf(error);
  const broker = BROKER_NAME[context.broker];
  const at = `${broker} at ${context.url}`;
  const fail = (reason: PermanentReason, text: string): PermanentConnectionError =>
    new PermanentConnectionError(reason, text);

  // amqplib: "Handshake terminated by server: 403 (ACCESS-REFUSED) …"; nats.js: code AUTHORIZATION_VIOLATION.
  if (/\b403 \(ACCESS-REFUSED\)|ACCESS_REFUSED/.test(message) || code === 'AUTHORIZATION_VIOLATION')
    return fail(
      'credentials',
      `the credentials were refused by ${at} (${CREDENTIALS_REPLY[context.broker]}` +
        `${context.user ? ` for user "${context.user}"` : ''}): ${CREDENTIALS_FIX[context.broker]}`,
    );
  // RabbitMQ answers connection.open for an unknown virtual host (or one the user may not use) with
  // 530 NOT_ALLOWED; amqplib reports only that it expected OpenOk and got a Close.
  if (
    /Expected ConnectionOpenOk; got <ConnectionClose/.test(message) ||
    /\b530 \(NOT-ALLOWED\)/.test(message)
  ) {
    const vhost = context.vhost ?? '/';
    return fail(
      'vhost',
      `${at} would not open virtual host "${vhost}": it does not exist, or user "${context.user ?? 'guest'}" ` +
        `has no permissions on it: create it (rabbitmqctl add_vhost ${vhost}; rabbitmqctl set_permissions -p ` +
        `${vhost} <user> ".*" ".*" ".*") or fix the path of --url`,
    );
  }
  if (UNTRUSTED_CODES.has(code))
    return fail(
      'tls-untrusted',
      `the certificate of ${at} was not trusted (${message}): pass the CA that signed it with --tls-ca FILE ` +
        '(or PIPELINE_TLS_CA)',
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return fail(
      'tls-hostname',
      `the certificate of ${at} is not for that host (${message}): connect by a name the certificate lists, ` +
        'or give the server a certificate for this name',
    );
  if (REJECTED_CERT_CODES.has(code))
    return fail(
      'tls-certificate',
      `the certificate of ${at} was rejected (${message}): give the server a valid certificate`,
    );
  // TLS asked of a server that does not offer it: nats.js says SERVER_OPT_NA "tls"; a TLS client meeting a
  // plain AMQP port gets OpenSSL's "wrong version number".
  if ((code === 'SERVER_OPT_NA' && /tls/i.test(message)) || code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return fail(
      'tls-unavailable',
      `${at} does not offer TLS there: use its TLS port, or a plain ${context.broker}:// URL without --tls-* ` +
        'options',
    );
  if (code === 'ERR_INVALID_URL') return invalidUrl(context.broker, context.url, 'it cannot be parsed');
  return undefined;
}

// No credentials in the examples: log lines redact anything shaped like them, and an example must read as given.
const URL_EXAMPLE: Record<BrokerKind, string> = {
  amqp: 'amqp://host:5672/vhost or amqps://host:5671/vhost, with user:password@ before the host',
  nats: 'nats://host:4222 or tls://host:4222, with token@ or user:password@ before the host, several separated by commas',
};

/** The failure for a broker URL that cannot be used: `why` says what is wrong with it. */
export function invalidUrl(broker: BrokerKind, shownUrl: string, why: string): PermanentConnectionError {
  return new PermanentConnectionError(
    'url',
    `the broker URL ${shownUrl} is not valid (${why}): give one with --url ` +
      `(or ${broker === 'amqp' ? 'AMQP_URL' : 'NATS_URL'}) like ${URL_EXAMPLE[broker]}`,
  );
}
