/**
 * The `metrics` broadcast: the records of a written batch, for dashboards, in chunks of at most
 * `METRICS_CHUNK_RECORDS`. Best-effort: a lost broadcast never holds back the log, which is the record of truth.
 */
import type { MetricRecord } from '../core/metricsBody.js';
import { METRICS } from '../core/topics.js';
import type { Transport } from '../core/transport.js';

/**
 * Most records per `metrics` message. A message per record cost 10–20% of this service's and the broker's CPU;
 * 500 records stay well under the 512 KiB a consumer decodes, even with 256-character ids (about 180 kB).
 */
export const METRICS_CHUNK_RECORDS = 500;

/** Anything that carries a metric record (the service's joined rows): the broadcast takes no copy of them. */
export interface HasRecord {
  readonly record: MetricRecord;
}

/**
 * Publishes the records of `rows` on `metrics`, each chunk under the id of its first record. Never throws for a
 * refused or failed publish: the chunk is dropped.
 *
 * @example
 * ```ts
 * broadcastMetrics(transport, [{ record: { id: 'a', y_true: 1, y_pred: 2, absolute_error: 1 } }]);
 * ```
 */
export function broadcastMetrics(
  transport: Pick<Transport, 'publish' | 'tryPublish'>,
  rows: readonly HasRecord[],
): void {
  // The records themselves go in the body (each is exactly `{id, y_true, y_pred, absolute_error}` and never
  // changes), so a chunk copies nothing.
  for (let start = 0; start < rows.length; start += METRICS_CHUNK_RECORDS) {
    const end = Math.min(start + METRICS_CHUNK_RECORDS, rows.length);
    const body: MetricRecord[] = [];
    for (let i = start; i < end; i++) body.push((rows[i] as HasRecord).record);
    const env = { id: (rows[start] as HasRecord).record.id, body };
    if (!transport.tryPublish?.(METRICS, env)) transport.publish(METRICS, env).catch(() => undefined);
  }
}
