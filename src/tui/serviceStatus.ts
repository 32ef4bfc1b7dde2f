/**
 * The `status` messages as the dashboard reads them: validation of what arrives on the wire, and the sum of the
 * latest figures of every live service instance. Pure.
 *
 * The join buffer, unmatched and dead-letter figures are the services' own counts: the dashboard never guesses
 * them, and shows them as unknown until a service has reported.
 */
import type { Check } from '../core/codec.js';
import type { ConnectionState } from '../core/transport.js';

/** The figures of one status message the dashboard uses (a subset of `StatusBody`, checked). */
export interface ServiceStatus {
  readonly service: string;
  readonly instance: string;
  readonly transport: string;
  readonly state: ConnectionState;
  readonly published: number;
  readonly predicted: number;
  readonly joined: number;
  readonly pending: number;
  readonly unmatched: number;
  readonly deadLettered: number;
  readonly retried: number;
  readonly deadByCode: Readonly<Record<string, number>>;
}

const STATES: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting', 'closed'];
const COUNTS = [
  'published',
  'predicted',
  'joined',
  'pending',
  'unmatched',
  'deadLettered',
  'retried',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

/** Checks the body of a `status` message (see `StatusBody` in src/cli/lifecycle.ts). Never throws. */
export function parseServiceStatus(body: unknown): Check<ServiceStatus> {
  const refuse = (reason: string): Check<ServiceStatus> => ({ ok: false, reason });
  if (!isObject(body)) return refuse('status body must be an object');
  const { service, instance, transport, state, counters } = body;
  if (!isName(service) || !isName(instance) || !isName(transport))
    return refuse('status body needs service, instance and transport names');
  if (!STATES.includes(state as ConnectionState)) return refuse(`unknown connection state ${String(state)}`);
  if (!isObject(counters)) return refuse('status body has no counters');
  const counts: Partial<Record<(typeof COUNTS)[number], number>> = {};
  for (const k of COUNTS) {
    const v = counters[k];
    if (!isCount(v)) return refuse(`counters.${k} must be a non-negative integer`);
    counts[k] = v;
  }
  const deadByCode: Record<string, number> = {};
  if (isObject(counters.deadByCode))
    for (const [code, n] of Object.entries(counters.deadByCode)) if (isCount(n)) deadByCode[code] = n;
  return {
    ok: true,
    value: {
      service,
      instance,
      transport,
      state: state as ConnectionState,
      ...(counts as Record<(typeof COUNTS)[number], number>),
      deadByCode,
    },
  };
}

/** One live instance, as listed on the dashboard. */
export interface InstanceSummary {
  readonly service: string;
  readonly instance: string;
  readonly transport: string;
  readonly state: ConnectionState;
  /** Milliseconds since its last status message. */
  readonly ageMs: number;
}

/** What the services report, summed over their live instances. A figure no service reported is `undefined`. */
export interface ServicesSummary {
  readonly instances: readonly InstanceSummary[];
  /** Records joined (metric, or the one-process pipeline). */
  readonly joined: number | undefined;
  /** Records waiting in the join buffer. */
  readonly pending: number | undefined;
  /** Records evicted from the join buffer unmatched (dead-lettered as `unmatched`). */
  readonly unmatched: number | undefined;
  /** Messages dead-lettered for any other reason, by every service. */
  readonly deadLettered: number | undefined;
  /** `deadLettered` by reason code, largest first (`unmatched` excluded: it has its own figure). */
  readonly deadByCode: readonly (readonly [code: string, count: number])[];
  readonly retried: number | undefined;
}

/** Services whose status carries the join figures. */
const JOINERS = new Set(['metric', 'pipeline']);

/** Sums the latest status of each instance heard from within `ttlMs` of `nowMs`. */
export function summariseServices(
  latest: Iterable<{ readonly status: ServiceStatus; readonly at: number }>,
  nowMs: number,
  ttlMs: number,
): ServicesSummary {
  const instances: InstanceSummary[] = [];
  let joined: number | undefined;
  let pending: number | undefined;
  let unmatched: number | undefined;
  let deadLettered: number | undefined;
  let retried: number | undefined;
  const byCode = new Map<string, number>();
  for (const { status: s, at } of latest) {
    if (nowMs - at > ttlMs) continue;
    const { service, instance, transport, state } = s;
    instances.push({ service, instance, transport, state, ageMs: Math.max(0, nowMs - at) });
    if (JOINERS.has(s.service)) {
      joined = (joined ?? 0) + s.joined;
      pending = (pending ?? 0) + s.pending;
      unmatched = (unmatched ?? 0) + s.unmatched;
    }
    deadLettered = (deadLettered ?? 0) + s.deadLettered;
    retried = (retried ?? 0) + s.retried;
    for (const [code, n] of Object.entries(s.deadByCode))
      if (code !== 'unmatched') byCode.set(code, (byCode.get(code) ?? 0) + n);
  }
  instances.sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  const deadByCode = [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { instances, joined, pending, unmatched, deadLettered, deadByCode, retried };
}
