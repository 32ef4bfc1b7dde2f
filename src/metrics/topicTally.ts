/**
 * Counts of the rarer service events by topic (and reason code): dead letters, retries, unmatched messages and
 * duplicates. The counters of the status line keep totals only; Prometheus wants them by topic, and these events
 * are few enough that a map update per event costs nothing on the hot path (records joined are not counted here).
 */
import type { ServiceEvent } from '../delivery/serviceEvents.js';

export type TalliedKind = 'dead-lettered' | 'retried' | 'unmatched' | 'duplicate';

export interface TallyEntry {
  readonly kind: TalliedKind;
  readonly topic: string;
  /** The dead-letter reason code (`unmatched` for unmatched messages); '' for retries and duplicates. */
  readonly code: string;
  count: number;
}

export class TopicTally {
  readonly #entries = new Map<string, TallyEntry>();

  /** Counts `event` if it is one of the tallied kinds; ignores the others. */
  add(event: ServiceEvent): void {
    switch (event.kind) {
      case 'dead-lettered':
        return this.#bump('dead-lettered', event.topic, event.code);
      case 'unmatched':
        return this.#bump('unmatched', event.topic, 'unmatched');
      case 'retried':
        return this.#bump('retried', event.topic, '');
      case 'duplicate':
        return this.#bump('duplicate', event.topic, '');
      default:
        return;
    }
  }

  /** Every (kind, topic, code) seen so far with its count. */
  entries(): Iterable<Readonly<TallyEntry>> {
    return this.#entries.values();
  }

  /** Messages of `topic` settled without a row or prediction: dead letters, unmatched and duplicates. */
  settledOtherwise(topic: string): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.topic === topic && e.kind !== 'retried') n += e.count;
    return n;
  }

  #bump(kind: TalliedKind, topic: string, code: string): void {
    const key = `${kind}\u0000${topic}\u0000${code}`;
    const entry = this.#entries.get(key);
    if (entry) entry.count++;
    else this.#entries.set(key, { kind, topic, code, count: 1 });
  }
}
