/**
 * Options of the RabbitMQ transport, with every default in one place. Pure: resolving options reads the
 * environment only through the `env` argument.
 */
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../core/codec.js';
import { invalidUrl, type PermanentConnectionError } from '../../core/connectionFailure.js';
import type { Logger } from '../../core/log.js';
import { redactText } from '../../core/redact.js';
import { splitUrlList } from '../../core/urlList.js';
import { DEFAULT_PREFETCH } from '../../core/transport.js';
import { hasTls, type TlsMaterial } from '../tlsMaterial.js';
import { QUEUE_TYPES, type QueueType } from './topology.js';

/** How the transport waits between connection attempts: exponential backoff with jitter. */
export interface AmqpReconnectOptions {
  /**
   * Delay before the first retry, in milliseconds.
   * @default 100
   */
  readonly initialDelayMs?: number;
  /**
   * Longest delay between two attempts, in milliseconds.
   * @default 5000
   */
  readonly maxDelayMs?: number;
  /**
   * Growth of the delay from one attempt to the next.
   * @default 2
   */
  readonly factor?: number;
  /**
   * Random spread of each delay, as a fraction of it, so that many services do not all retry at once.
   * @default 0.2
   */
  readonly jitter?: number;
}

export interface AmqpTransportOptions {
  /**
   * Broker URL, e.g. `amqp://guest:guest@127.0.0.1:5672`, or several separated by commas (the nodes of a cluster):
   * they are tried in order, the next one whenever an attempt fails or a connection is lost, with one backoff
   * across the list. A `heartbeat` query parameter is added to each unless present.
   * @default env AMQP_URL, else `amqp://guest:guest@${RABBITMQ_HOST}:5672`, else amqp://guest:guest@127.0.0.1:5672
   */
  readonly url?: string;
  /**
   * Prefetch of a consumer that does not choose its own.
   * @default DEFAULT_PREFETCH (256)
   */
  readonly prefetch?: number;
  /**
   * Declare work queues exactly as the original pika scripts do (`queue_declare(queue='features')`: plain,
   * non-durable), so that those scripts, started after us, can still declare them. The cost: such queues and
   * the messages in them vanish when the broker restarts.
   * @default false (queues are durable)
   */
  readonly legacyQueues?: boolean;
  /**
   * Type of the work and dead-letter queues the transport declares: `quorum` replicates them over the nodes of a
   * cluster (and cannot be combined with `legacyQueues`). A queue that exists with another type is used as it is.
   * @default 'classic' (the CLI's `--queue-type`, or PIPELINE_QUEUE_TYPE)
   */
  readonly queueType?: QueueType;
  /**
   * Largest message `publish` accepts, in bytes; a larger one is refused before it reaches the broker.
   * @default DEFAULT_MAX_MESSAGE_BYTES (512 KiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Messages a broadcast subscriber's queue holds before its oldest is dropped (`x-overflow: drop-head`):
   * a slow dashboard loses old messages and never pushes back on the pipeline.
   * @default 10_000
   */
  readonly broadcastMaxLength?: number;
  /**
   * AMQP heartbeat in seconds: how soon a silently dead connection (no FIN, e.g. a cut network) is noticed.
   * @default 10
   */
  readonly heartbeatSeconds?: number;
  /** Backoff between connection attempts. */
  readonly reconnect?: AmqpReconnectOptions;
  /**
   * How long `close()` waits for publishes under way (e.g. while the broker is away) before it gives up on them.
   * @default 10_000
   */
  readonly closeTimeoutMs?: number;
  /**
   * How long one connection attempt may take, TCP connect and AMQP handshake together, before it is given up and
   * the next URL (or the same, after the backoff) is tried: a host that drops packets, or a port where something
   * accepts but never speaks AMQP, would otherwise hold an attempt for minutes.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Shown in the RabbitMQ management UI and `rabbitmqctl list_connections client_properties`.
   * @default 'rx-ml-pipeline'
   */
  readonly connectionName?: string;
  /** CA, client certificate and key for an `amqps://` URL. @default none: the system's CAs, no client certificate */
  readonly tls?: TlsMaterial;
  /**
   * Called once when the broker refuses the connection for a reason waiting cannot fix (credentials, virtual
   * host, certificate): the transport has stopped retrying, and its publishes and consumers fail with the error.
   * @default logs the error
   */
  readonly onPermanentFailure?: (error: PermanentConnectionError) => void;
  /**
   * Where log lines go.
   * @default warn and error lines to stderr
   */
  readonly logger?: Logger;
}

/** Every default of the transport. */
export const AMQP_DEFAULTS = {
  url: 'amqp://guest:guest@127.0.0.1:5672',
  prefetch: DEFAULT_PREFETCH,
  legacyQueues: false,
  queueType: 'classic',
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  broadcastMaxLength: 10_000,
  heartbeatSeconds: 10,
  reconnect: { initialDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.2 },
  closeTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  connectionName: 'rx-ml-pipeline',
} as const;

export interface ResolvedAmqpOptions {
  /** The first of `urls`. Contains the password: never log it unredacted. */
  readonly url: string;
  /** The URLs to connect to, in order, heartbeat included (at least one). Contain passwords: never log them. */
  readonly urls: readonly string[];
  readonly prefetch: number;
  readonly legacyQueues: boolean;
  readonly queueType: QueueType;
  readonly maxMessageBytes: number;
  readonly broadcastMaxLength: number;
  readonly heartbeatSeconds: number;
  readonly reconnect: Required<AmqpReconnectOptions>;
  readonly closeTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly connectionName: string;
  readonly tls: TlsMaterial | undefined;
  readonly onPermanentFailure: ((error: PermanentConnectionError) => void) | undefined;
  readonly logger: Logger;
}

/** The default logger: warnings and errors to stderr (info lines are for an injected logger). */
export const stderrLogger: Logger = (level, message) => {
  if (level === 'warn' || level === 'error') process.stderr.write(`[amqp] ${level}: ${message}\n`);
};

/** The broker URL: explicit, else AMQP_URL, else RABBITMQ_HOST (as the original services used), else localhost. */
export function resolveAmqpUrl(
  url: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (url) return url;
  if (env.AMQP_URL) return env.AMQP_URL;
  if (env.RABBITMQ_HOST) return `amqp://guest:guest@${env.RABBITMQ_HOST}:5672`;
  return AMQP_DEFAULTS.url;
}

/** The broker URLs of `resolveAmqpUrl`'s answer, which may be a comma-separated list; refuses an empty list. */
export function resolveAmqpUrls(
  url: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const text = resolveAmqpUrl(url, env);
  const urls = splitUrlList(text);
  if (urls.length === 0) throw invalidUrl('amqp', JSON.stringify(redactText(text)), 'it names no URL');
  return urls;
}

/**
 * Parses a broker URL; a bad one is a `PermanentConnectionError` (reason `url`) that shows it redacted (Node's own
 * error keeps the input whole).
 */
export function parseAmqpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidUrl('amqp', redactText(url), 'it cannot be parsed');
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:')
    throw invalidUrl('amqp', redactText(url), `it must start with amqp:// or amqps://, not ${u.protocol}//`);
  if (u.hostname === '') throw invalidUrl('amqp', redactText(url), 'it names no host');
  return u;
}

/** TLS files apply to amqps:// only: amqplib would ignore them on a plain URL, which must not pass unnoticed. */
export function tlsFor(url: string, tls: TlsMaterial | undefined): TlsMaterial | undefined {
  if (!hasTls(tls)) return undefined;
  if (parseAmqpUrl(url).protocol !== 'amqps:')
    throw new Error(`--tls-ca, --tls-cert and --tls-key need an amqps:// URL, not ${redactText(url)}`);
  return tls;
}

/** The socket options amqplib takes for TLS material; it uses them on amqps:// URLs only (see `tlsFor`). */
export function amqpTlsSocketOptions(tls: TlsMaterial | undefined): {
  ca?: string[];
  cert?: string;
  key?: string;
} {
  return {
    ...(tls?.ca !== undefined ? { ca: [tls.ca] } : {}),
    ...(tls?.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls?.key !== undefined ? { key: tls.key } : {}),
  };
}

/** Adds the heartbeat to the URL unless the URL sets one itself. */
export function withHeartbeat(url: string, seconds: number): string {
  const u = parseAmqpUrl(url);
  if (u.searchParams.has('heartbeat')) return url;
  u.searchParams.set('heartbeat', String(seconds));
  return u.toString();
}

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
};

/** The queue type, checked: quorum queues are durable, so they cannot be the plain queues of `legacyQueues`. */
export function queueTypeFor(type: unknown, legacyQueues: boolean): QueueType {
  const t = type ?? AMQP_DEFAULTS.queueType;
  if (!QUEUE_TYPES.some((q) => q === t))
    throw new TypeError(`queue type must be one of ${QUEUE_TYPES.join(', ')}, got ${JSON.stringify(t)}`);
  if (t === 'quorum' && legacyQueues)
    throw new TypeError(
      '--queue-type quorum cannot be combined with --legacy-queues: quorum queues are always durable',
    );
  return t as QueueType;
}

/** Fills in every default and checks them: a `RangeError` for an impossible number, a `TypeError` for a bad URL. */
export function resolveAmqpOptions(
  options: AmqpTransportOptions = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedAmqpOptions {
  const d = AMQP_DEFAULTS;
  const heartbeatSeconds = options.heartbeatSeconds ?? d.heartbeatSeconds;
  const r = options.reconnect ?? {};
  const urls = resolveAmqpUrls(options.url, env).map((u) => withHeartbeat(u, heartbeatSeconds));
  const url = urls[0] as string;
  return {
    url,
    urls,
    prefetch: Math.floor(positive('prefetch', options.prefetch ?? d.prefetch)),
    legacyQueues: options.legacyQueues ?? d.legacyQueues,
    queueType: queueTypeFor(options.queueType, options.legacyQueues ?? d.legacyQueues),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? d.maxMessageBytes),
    broadcastMaxLength: Math.floor(
      positive('broadcastMaxLength', options.broadcastMaxLength ?? d.broadcastMaxLength),
    ),
    heartbeatSeconds,
    reconnect: {
      initialDelayMs: positive('reconnect.initialDelayMs', r.initialDelayMs ?? d.reconnect.initialDelayMs),
      maxDelayMs: positive('reconnect.maxDelayMs', r.maxDelayMs ?? d.reconnect.maxDelayMs),
      factor: positive('reconnect.factor', r.factor ?? d.reconnect.factor),
      jitter: r.jitter ?? d.reconnect.jitter,
    },
    closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs ?? d.closeTimeoutMs),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? d.connectTimeoutMs),
    connectionName: options.connectionName ?? d.connectionName,
    tls: urls.map((u) => tlsFor(u, options.tls))[0],
    onPermanentFailure: options.onPermanentFailure,
    logger: options.logger ?? stderrLogger,
  };
}
