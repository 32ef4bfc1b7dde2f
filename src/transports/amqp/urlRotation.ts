/**
 * The broker URLs of one connection (the nodes of a cluster), tried in order. amqplib's recovery reconnects to
 * the one target it was given, with one backoff; that target is the rotation's `target`, whose fields are read
 * afresh at each attempt and follow `current()`. The connection calls `advance()` when an attempt fails or a
 * connection is lost, so the next attempt, after the same backoff as with one URL, goes to the next URL, and after
 * the last to the first again. Pure: no sockets, no timers.
 *
 * @example
 * ```ts
 * const r = new UrlRotation(['amqp://u:p@a:5672', 'amqp://u:p@b:5672']);
 * r.current(); // 'amqp://u:p@a:5672'
 * r.advance();
 * r.target.hostname; // 'b'
 * ```
 */
import type { Options } from 'amqplib';

const numberParam = (u: URL, name: string): number | undefined => {
  const v = u.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * What amqplib reads of a URL given as an object, as it would read the URL given as a string: credentials and
 * virtual host percent-decoded, `heartbeat`, `frameMax`, `channelMax` and `locale` from the query.
 */
export function connectFields(url: string): Options.Connect {
  const u = new URL(url);
  const port = u.port === '' ? undefined : Number(u.port);
  const fields: Options.Connect = {
    protocol: u.protocol.replace(/:$/, ''),
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    ...(port !== undefined ? { port } : {}),
    // As with a string URL: guest/guest only when the URL names no user at all.
    ...(u.username !== '' || u.password !== ''
      ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
      : {}),
    ...(u.pathname.length > 1 ? { vhost: decodeURIComponent(u.pathname.slice(1)) } : {}),
  };
  const heartbeat = numberParam(u, 'heartbeat');
  const frameMax = numberParam(u, 'frameMax');
  const channelMax = numberParam(u, 'channelMax');
  const locale = u.searchParams.get('locale');
  if (heartbeat !== undefined) fields.heartbeat = heartbeat;
  if (frameMax !== undefined) fields.frameMax = frameMax;
  if (channelMax !== undefined) fields.channelMax = channelMax;
  if (locale !== null) fields.locale = locale;
  return fields;
}

/** The fields of amqplib's `Options.Connect` that a URL sets (see `connectFields`). */
const CONNECT_FIELDS = [
  'protocol',
  'hostname',
  'port',
  'username',
  'password',
  'vhost',
  'heartbeat',
  'frameMax',
  'channelMax',
  'locale',
] as const satisfies readonly (keyof Options.Connect)[];

export class UrlRotation {
  private index = 0;
  private readonly fields: readonly Options.Connect[];
  /** The object to hand to amqplib's `connect`: each field is the current URL's. */
  readonly target: Options.Connect;

  /** @param urls at least one, each already checked (parseAmqpUrl) */
  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new RangeError('a URL list needs at least one URL');
    this.fields = urls.map(connectFields);
    const now = (): Options.Connect => this.fields[this.index] as Options.Connect;
    // Getters, not a copy: amqplib reads the fields at each attempt, after `advance()` may have moved on.
    const getters: PropertyDescriptorMap = {};
    for (const key of CONNECT_FIELDS) getters[key] = { get: () => now()[key], enumerable: true };
    this.target = Object.defineProperties({}, getters);
  }

  /** The URL the next attempt goes to (contains the password: redact before showing it). */
  current(): string {
    return this.urls[this.index] as string;
  }

  /** Moves to the next URL, after the last back to the first. */
  advance(): void {
    this.index = (this.index + 1) % this.urls.length;
  }
}
