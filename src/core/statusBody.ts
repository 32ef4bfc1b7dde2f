/**
 * The body of a `status` message: one process's figures, broadcast every second for dashboards. Its type, the
 * counters it is made from and its validator live here together, so a producer and a reader cannot drift
 * apart. Pure.
 *
 * @example
 * ```ts
 * const body: StatusBody = { service: 'model', instance, transport: 'nats', state, counters: statusCounters(snap) };
 * const checked = statusBody(JSON.parse(JSON.stringify(body))); // { ok: true, value: body }
 * ```
 */
import { describeValue, pass, refuse, type BodyValidator } from './codec.js';
import type { StatsSnapshot } from './stats.js';
import type { ConnectionState } from './transport.js';

/** What a service has counted so far (see `ServiceCounters`): the status line, the summary and `status` read it. */
export interface CountersSnapshot {
  readonly published: number;
  readonly predicted: number;
  readonly joined: number;
  readonly unmatched: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly retried: number;
  /** Records waiting in the join buffer (metric). */
  readonly pending: number;
  /** Dead letters by reason code (`not_json`, `bad_body`, `wrong_shape`, `unmatched`, …). */
  readonly deadByCode: Readonly<Record<string, number>>;
  readonly stats: StatsSnapshot;
  /** The last reason a message was retried or dead-lettered, for the operator. */
  readonly lastProblem: string | undefined;
}

/**
 * The counters as a `status` message carries them. `stats` is left out until a record has been joined: before
 * that its figures are NaN, which JSON cannot carry, and a body holding them could not be sent at all.
 */
export interface StatusCounters extends Omit<CountersSnapshot, 'stats' | 'lastProblem'> {
  readonly stats?: StatsSnapshot;
  readonly lastProblem?: string;
}

/** Body of a `status` message. */
export interface StatusBody {
  /** `pipeline` (the one-process run) or a service's name; a reader accepts any name, for newer services. */
  readonly service: string;
  /** One process of the service: replicas have the same `service` and different instances. */
  readonly instance: string;
  /** The sender's transport (`amqp`, `nats`, …). */
  readonly transport: string;
  readonly state: ConnectionState;
  readonly counters: StatusCounters;
}

/** The counters of `snapshot` as a `status` body carries them: every figure JSON can hold. */
export function statusCounters(snapshot: CountersSnapshot): StatusCounters {
  const { stats, lastProblem, ...counts } = snapshot;
  return {
    ...counts,
    ...(stats.count > 0 ? { stats } : {}),
    ...(lastProblem !== undefined ? { lastProblem } : {}),
  };
}

/** Longest name (service, instance, transport, dead-letter code) a status body may carry. */
const MAX_NAME = 256;
/** Most dead-letter codes one status body may list (services use a handful). */
export const MAX_DEAD_LETTER_CODES = 100;

const STATES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'closed'];
const COUNTS = [
  'published',
  'predicted',
  'joined',
  'unmatched',
  'duplicates',
  'deadLettered',
  'retried',
  'pending',
] as const;
const STATS = ['mae', 'rmse', 'min', 'max', 'p50', 'p95'] as const;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME;

const notObject = (at: string, v: unknown): string => `${at} must be an object, got ${describeValue(v)}`;
const notCount = (at: string, v: unknown): string =>
  `${at} must be a non-negative integer, got ${describeValue(v)}`;

/** Why `v` is not a list of dead-letter counts by code, or `undefined` if it is one. */
function deadByCodeProblem(v: unknown): string | undefined {
  const at = 'body.counters.deadByCode';
  if (!isObject(v)) return notObject(at, v);
  const entries = Object.entries(v);
  if (entries.length > MAX_DEAD_LETTER_CODES)
    return `${at} has ${entries.length} codes; at most ${MAX_DEAD_LETTER_CODES}`;
  for (const [code, n] of entries) {
    if (code.length === 0 || code.length > MAX_NAME)
      return `${at} has a code of ${code.length} characters; 1 to ${MAX_NAME}`;
    if (!isCount(n)) return notCount(`${at}.${code}`, n);
  }
  return undefined;
}

/** Why `v` is not a set of error statistics over at least one record, or `undefined` if it is one. */
function statsProblem(v: unknown): string | undefined {
  const at = 'body.counters.stats';
  if (!isObject(v)) return notObject(at, v);
  if (!isCount(v.count) || v.count === 0)
    return `${at}.count must be a positive integer, got ${describeValue(v.count)}`;
  for (const k of STATS) {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x))
      return `${at}.${k} must be a finite number, got ${describeValue(x)}`;
  }
  return undefined;
}

const copyStats = ({ count, mae, rmse, min, max, p50, p95 }: StatsSnapshot): StatsSnapshot => ({
  count,
  mae,
  rmse,
  min,
  max,
  p50,
  p95,
});

/** Why `c` is not a status body's counters, or `undefined` if it is. */
function countersProblem(c: unknown): string | undefined {
  if (!isObject(c)) return notObject('body.counters', c);
  for (const k of COUNTS) if (!isCount(c[k])) return notCount(`body.counters.${k}`, c[k]);
  const problem = deadByCodeProblem(c.deadByCode);
  if (problem !== undefined) return problem;
  if (c.stats !== undefined) {
    const stats = statsProblem(c.stats);
    if (stats !== undefined) return stats;
  }
  if (c.lastProblem !== undefined && typeof c.lastProblem !== 'string')
    return `body.counters.lastProblem must be a string, got ${describeValue(c.lastProblem)}`;
  return undefined;
}

/**
 * Checks the body of a `status` message. Returns a fresh body with exactly the fields of `StatusBody`: whatever
 * else a producer adds goes no further. One bad figure makes the whole body bad: a producer that sends it is broken.
 */
export const statusBody: BodyValidator<StatusBody> = (body) => {
  if (!isObject(body)) return refuse(notObject('body', body));
  for (const k of ['service', 'instance', 'transport'] as const)
    if (!isName(body[k]))
      return refuse(`body.${k} must be a name of 1 to ${MAX_NAME} characters, got ${describeValue(body[k])}`);
  if (!STATES.includes(body.state as ConnectionState))
    return refuse(
      `body.state must be ${STATES.slice(0, -1).join(', ')} or ${STATES.at(-1)}, got ${describeValue(body.state)}`,
    );
  const problem = countersProblem(body.counters);
  if (problem !== undefined) return refuse(problem);
  // Every field was checked above; only copying is left.
  const { service, instance, transport, state, counters: c } = body as unknown as StatusBody;
  const counters: StatusCounters = {
    published: c.published,
    predicted: c.predicted,
    joined: c.joined,
    unmatched: c.unmatched,
    duplicates: c.duplicates,
    deadLettered: c.deadLettered,
    retried: c.retried,
    pending: c.pending,
    deadByCode: { ...c.deadByCode },
    ...(c.stats === undefined ? {} : { stats: copyStats(c.stats) }),
    ...(c.lastProblem === undefined ? {} : { lastProblem: c.lastProblem }),
  };
  return pass({ service, instance, transport, state, counters });
};
