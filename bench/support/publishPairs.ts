/**
 * Publishing the `y_true`/`y_pred` pairs a metric joins straight onto the broker, for the benchmarks that time the
 * metric stage alone (partitions.ts, metricMemory.ts): a window of publishes awaiting the broker at once, so the
 * bench neither waits for each one nor piles up unbounded promises, and values made from the record's number.
 */
import { Y_PRED, Y_TRUE, type Topic } from '../../src/core/topics.js';
import type { Transport } from '../../src/core/transport.js';

/** Publishes awaiting the broker at once. */
const WINDOW = 512;

export interface PairRoute {
  /** Where record `id`'s y_true goes (by default `y_true`). */
  readonly yTrue?: (id: string) => Topic;
  /** Where record `id`'s y_pred goes (by default `y_pred`). */
  readonly yPred?: (id: string) => Topic;
  /** Whether record `n` gets no y_pred at all (by default every record gets one). */
  readonly unmatched?: (n: number) => boolean;
}

/**
 * Publishes y_true (25…345) and y_pred (within ±25 of it) for records `${runId}-0`… `${runId}-${records - 1}`,
 * on the topics `route` picks; resolves once the broker has taken every one.
 */
export async function publishPairs(
  transport: Transport,
  runId: string,
  records: number,
  route: PairRoute = {},
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const send = async (p: Promise<void>): Promise<void> => {
    const tracked: Promise<void> = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  };
  for (let n = 0; n < records; n++) {
    const id = `${runId}-${n}`;
    const yTrue = 25 + (n % 321);
    await send(transport.publish(route.yTrue?.(id) ?? Y_TRUE, { id, body: yTrue }));
    if (!route.unmatched?.(n))
      await send(transport.publish(route.yPred?.(id) ?? Y_PRED, { id, body: yTrue + ((n * 7) % 50) - 25 }));
  }
  await Promise.all(inFlight);
}
