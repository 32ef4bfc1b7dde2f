/**
 * Options of the NATS transport, every default in one place, and their resolution against the environment.
 * Pure: reading the environment is the caller's business (it passes `env`).
 */
import { DEFAULT_PREFETCH } from '../../core/transport.js';
import { invalidUrl, type PermanentConnectionError } from '../../core/connectionFailure.js';
import type { Logger } from '../../core/log.js';
import { redactUrl } from '../../core/redact.js';
import { hasTls, type TlsMaterial } from '../tlsMaterial.js';
import { splitUrlList } from '../../core/urlList.js';

/** `jetstream`: durable, at-least-once. `core`: plain core NATS, fastest, at-most-once. */
export type NatsMode = 'jetstream' | 'core';

export interface NatsTransportOptions {
  /**
   * Server URL, or several separated by commas: servers of one cluster, of which the client connects to any and
   * learns the others from it. Credentials may ride in it: `nats://user:pass@host:4222`, or a token as
   * `nats://token@host:4222` (the first URL carrying them gives them). They are passed to the client as options
   * and never logged.
   * @default the NATS_URL environment variable, else `nats://127.0.0.1:4222`
   */
  readonly url?: string;
  /** @default 'jetstream' */
  readonly mode?: NatsMode;
  /** Authentication token (instead of one in the URL). @default the NATS_TOKEN environment variable */
  readonly token?: string;
  /** Path of a `.creds` file (JWT + nkey seed). @default the NATS_CREDS environment variable */
  readonly credsFile?: string;
  /** Path of a file holding an nkey seed. @default the NATS_NKEY environment variable */
  readonly nkeySeedFile?: string;
  /** Connection name the server shows in its monitoring. @default 'rx-ml-pipeline' */
  readonly name?: string;
  /** Prefetch of a consumer that does not choose its own. @default DEFAULT_PREFETCH (256) */
  readonly prefetch?: number;
  /**
   * JetStream ack wait. The transport keeps every delivery its live consumers hold alive with `working()`, so
   * this only decides how soon the deliveries of a crashed consumer come back.
   * @default 30_000
   */
  readonly ackWaitMs?: number;
  /**
   * JetStream deliveries of one message before the server gives up on it. Services dead-letter a message that
   * keeps failing well before this; it is the backstop against a poison message looping forever.
   * @default 20
   */
  readonly maxDeliver?: number;
  /** Largest message accepted by publish (and the streams' max_msg_size). @default 1 MiB - 8 KiB */
  readonly maxMessageBytes?: number;
  /** JetStream de-duplication window by message id: covers a publisher retrying after a lost ack. @default 120_000 */
  readonly duplicateWindowMs?: number;
  /** Messages a queue topic's stream holds before publishers are held back (discard: new). @default 1_000_000 */
  readonly maxBacklogMessages?: number;
  /** Bytes a queue topic's stream holds before publishers are held back. @default 1 GiB */
  readonly maxBacklogBytes?: number;
  /** Dead letters kept per topic; beyond it the oldest are dropped. @default 100_000 */
  readonly maxDeadLetters?: number;
  /**
   * Copies of each JetStream stream the transport creates, on as many servers of a cluster (1, 3 or 5). A stream
   * that exists already is used as it is (with a warning when its replicas differ).
   * @default 1 (the CLI's `--replicas`, or PIPELINE_REPLICAS)
   */
  readonly replicas?: number;
  /** Prefix of JetStream stream names (tests use unique ones). @default 'PIPELINE_' */
  readonly streamPrefix?: string;
  /** Prefix of durable consumer names, which are otherwise the consume group. @default '' */
  readonly consumerPrefix?: string;
  /** How long a JetStream publish waits for its ack before retrying (with the same message id). @default 5_000 */
  readonly publishTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt up to `maxReconnectDelayMs`. @default 250 */
  readonly reconnectDelayMs?: number;
  /** @default 5_000 */
  readonly maxReconnectDelayMs?: number;
  /** Random delay added to every reconnect attempt, so that restarted services do not stampede. @default 500 */
  readonly reconnectJitterMs?: number;
  /**
   * Core publishes written between two flushes (round trips to the server that give back-pressure). At 512 a fast
   * producer waited on a round trip so often that it wrote its messages to the socket one by one: 4,096 took the
   * four-process core pipeline from 21,000 to 31,000 records/s. At most about twice this many messages are
   * unconfirmed at any time, which is also what a dropped connection may lose (core NATS is at-most-once).
   * @default 4_096
   */
  readonly flushEvery?: number;
  /**
   * Bytes a core subscription (core mode, broadcast topics) buffers beyond its prefetch before it drops
   * messages: core NATS cannot push back, so a slow subscriber loses messages instead of growing without bound.
   * @default 64 MiB
   */
  readonly slowConsumerBufferBytes?: number;
  /** How long close() waits for publishes under way before abandoning them. @default 10_000 */
  readonly closeTimeoutMs?: number;
  /**
   * CA, client certificate and key. Given any of them, the connection requires TLS (as a `tls://` URL does).
   * @default none: TLS when a `tls://` URL or the server asks for it, verified against the system's CAs
   */
  readonly tls?: TlsMaterial;
  /**
   * Called once when the server refuses the connection for a reason waiting cannot fix (credentials,
   * certificate): the transport has stopped retrying, and its publishes and consumers fail with the error.
   * @default logs the error
   */
  readonly onPermanentFailure?: (error: PermanentConnectionError) => void;
  /** @default writes `nats <level>: <message>` to stderr */
  readonly logger?: Logger;
}

/** Options with every default applied and credentials split from the URL. */
export interface ResolvedNatsOptions {
  readonly mode: NatsMode;
  /** Server URLs without credentials. */
  readonly servers: readonly string[];
  /** The URL as it may be shown. */
  readonly displayUrl: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly credsFile?: string;
  readonly nkeySeedFile?: string;
  readonly name: string;
  readonly prefetch: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly maxMessageBytes: number;
  readonly duplicateWindowMs: number;
  readonly maxBacklogMessages: number;
  readonly maxBacklogBytes: number;
  readonly maxDeadLetters: number;
  readonly replicas: StreamReplicas;
  readonly streamPrefix: string;
  readonly consumerPrefix: string;
  readonly publishTimeoutMs: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly reconnectJitterMs: number;
  readonly flushEvery: number;
  readonly slowConsumerBufferBytes: number;
  readonly closeTimeoutMs: number;
  /** Set (maybe empty) when TLS is required: TLS options given, or a `tls://` URL. */
  readonly tls: TlsMaterial | undefined;
  readonly onPermanentFailure: ((error: PermanentConnectionError) => void) | undefined;
  readonly logger: Logger;
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** Replica counts a JetStream stream may have: odd, so that a majority survives the loss of servers. */
export const STREAM_REPLICAS = [1, 3, 5] as const;
export type StreamReplicas = (typeof STREAM_REPLICAS)[number];

/** `value` as a replica count, or a RangeError naming `what` and the allowed counts. */
export function streamReplicas(value: unknown, what = 'replicas'): StreamReplicas {
  const found = STREAM_REPLICAS.find((r) => r === value);
  if (found === undefined)
    throw new RangeError(`${what} must be one of ${STREAM_REPLICAS.join(', ')}, got ${String(value)}`);
  return found;
}

export const NATS_DEFAULTS = {
  mode: 'jetstream',
  name: 'rx-ml-pipeline',
  prefetch: DEFAULT_PREFETCH,
  ackWaitMs: 30_000,
  maxDeliver: 20,
  // The server's default max_payload is 1 MiB; the margin lets a dead letter carry its headers.
  maxMessageBytes: 1024 * 1024 - 8 * 1024,
  duplicateWindowMs: 120_000,
  maxBacklogMessages: 1_000_000,
  maxBacklogBytes: 1024 * 1024 * 1024,
  maxDeadLetters: 100_000,
  replicas: 1,
  streamPrefix: 'PIPELINE_',
  consumerPrefix: '',
  publishTimeoutMs: 5_000,
  reconnectDelayMs: 250,
  maxReconnectDelayMs: 5_000,
  reconnectJitterMs: 500,
  flushEvery: 4_096,
  slowConsumerBufferBytes: 64 * 1024 * 1024,
  closeTimeoutMs: 10_000,
} as const;

/** The default logger: one line per message on stderr. */
export const stderrLogger: Logger = (level, message) => {
  process.stderr.write(`nats ${level}: ${message}\n`);
};

interface SplitUrl {
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

/** Splits `url` (one or several, comma-separated) into credential-free server URLs and the credentials. */
export function splitCredentials(url: string): SplitUrl {
  const servers: string[] = [];
  let creds: Omit<SplitUrl, 'servers'> = {};
  for (const raw of splitUrlList(url)) {
    let parsed: URL;
    try {
      parsed = new URL(raw.includes('://') ? raw : `nats://${raw}`);
    } catch {
      throw invalidUrl('nats', redactUrl(raw), 'it cannot be parsed');
    }
    // nats.js dials nats:// and tls:// (TLS required) alike over TCP; any other scheme is a mistake.
    if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:')
      throw invalidUrl(
        'nats',
        redactUrl(raw),
        `it must start with nats:// or tls://, not ${parsed.protocol}//`,
      );
    if (parsed.hostname === '') throw invalidUrl('nats', redactUrl(raw), 'it names no host');
    if (parsed.username !== '' && creds.user === undefined && creds.token === undefined) {
      const name = decodeURIComponent(parsed.username);
      // A user without a password is how NATS URLs carry a token.
      creds =
        parsed.password === '' ? { token: name } : { user: name, pass: decodeURIComponent(parsed.password) };
    }
    parsed.username = '';
    parsed.password = '';
    servers.push(`${parsed.protocol}//${parsed.host}`);
  }
  if (servers.length === 0) throw invalidUrl('nats', JSON.stringify(url), 'no NATS server URL given');
  return { servers, ...creds };
}

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
};

/** Applies defaults and the environment (NATS_URL, NATS_TOKEN, NATS_CREDS, NATS_NKEY) to `options`. */
export function resolveNatsOptions(
  options: NatsTransportOptions,
  env: Readonly<Record<string, string | undefined>> = {},
): ResolvedNatsOptions {
  const url = options.url ?? env.NATS_URL ?? DEFAULT_NATS_URL;
  const split = splitCredentials(url);
  const d = NATS_DEFAULTS;
  const mode = options.mode ?? d.mode;
  if (mode !== 'jetstream' && mode !== 'core') throw new Error(`unknown NATS mode ${String(mode)}`);
  const token = split.token ?? options.token ?? env.NATS_TOKEN;
  const credsFile = options.credsFile ?? env.NATS_CREDS;
  const nkeySeedFile = options.nkeySeedFile ?? env.NATS_NKEY;
  return {
    mode,
    servers: split.servers,
    displayUrl: split.servers.join(','),
    ...(split.user !== undefined ? { user: split.user, pass: split.pass } : {}),
    ...(token !== undefined && token !== '' ? { token } : {}),
    ...(credsFile !== undefined && credsFile !== '' ? { credsFile } : {}),
    ...(nkeySeedFile !== undefined && nkeySeedFile !== '' ? { nkeySeedFile } : {}),
    name: options.name ?? d.name,
    prefetch: Math.floor(positive('prefetch', options.prefetch ?? d.prefetch)),
    ackWaitMs: positive('ackWaitMs', options.ackWaitMs ?? d.ackWaitMs),
    maxDeliver: Math.floor(positive('maxDeliver', options.maxDeliver ?? d.maxDeliver)),
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? d.maxMessageBytes),
    duplicateWindowMs: positive('duplicateWindowMs', options.duplicateWindowMs ?? d.duplicateWindowMs),
    maxBacklogMessages: positive('maxBacklogMessages', options.maxBacklogMessages ?? d.maxBacklogMessages),
    maxBacklogBytes: positive('maxBacklogBytes', options.maxBacklogBytes ?? d.maxBacklogBytes),
    maxDeadLetters: positive('maxDeadLetters', options.maxDeadLetters ?? d.maxDeadLetters),
    replicas: streamReplicas(options.replicas ?? d.replicas),
    streamPrefix: options.streamPrefix ?? d.streamPrefix,
    consumerPrefix: options.consumerPrefix ?? d.consumerPrefix,
    publishTimeoutMs: positive('publishTimeoutMs', options.publishTimeoutMs ?? d.publishTimeoutMs),
    reconnectDelayMs: positive('reconnectDelayMs', options.reconnectDelayMs ?? d.reconnectDelayMs),
    maxReconnectDelayMs: positive(
      'maxReconnectDelayMs',
      options.maxReconnectDelayMs ?? d.maxReconnectDelayMs,
    ),
    reconnectJitterMs: Math.max(0, options.reconnectJitterMs ?? d.reconnectJitterMs),
    flushEvery: Math.floor(positive('flushEvery', options.flushEvery ?? d.flushEvery)),
    slowConsumerBufferBytes: Math.max(0, options.slowConsumerBufferBytes ?? d.slowConsumerBufferBytes),
    closeTimeoutMs: Math.max(0, options.closeTimeoutMs ?? d.closeTimeoutMs),
    // nats.js itself ignores the scheme: a tls:// URL is made to require TLS here, as it says.
    tls: hasTls(options.tls) ? options.tls : split.servers.some((u) => u.startsWith('tls:')) ? {} : undefined,
    onPermanentFailure: options.onPermanentFailure,
    logger: options.logger ?? stderrLogger,
  };
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `baseMs`, capped at `maxMs`, plus up to
 * `jitterMs` of randomness.
 */
export function backoffDelayMs(
  attempt: number,
  o: Pick<ResolvedNatsOptions, 'reconnectDelayMs' | 'maxReconnectDelayMs' | 'reconnectJitterMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(o.maxReconnectDelayMs, o.reconnectDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp + random() * o.reconnectJitterMs);
}
