/**
 * The `status` messages as the dashboard reads them: the sum of the latest figures of every live service instance
 * (the body and its validator are in src/core/statusBody.ts). Pure.
 *
 * The join buffer, unmatched and dead-letter figures are the services' own counts: the dashboard never guesses
 * them, and shows them as unknown until a service has reported.
 */
import type { StatusBody } from '../core/statusBody.js';
import type { ConnectionState } from '../core/transport.js';

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
  latest: Iterable<{ readonly status: StatusBody; readonly at: number }>,
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
  for (const { status, at } of latest) {
    if (nowMs - at > ttlMs) continue;
    const { service, instance, transport, state, counters: s } = status;
    instances.push({ service, instance, transport, state, ageMs: Math.max(0, nowMs - at) });
    if (JOINERS.has(service)) {
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
