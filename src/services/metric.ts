/**
 * The metric service: joins `y_true` with `y_pred` by id, appends one CSV row per record and broadcasts the
 * records of each written batch on `metrics`.
 *
 * Acks and the join: both messages of a record stay unacked while they wait in the join buffer and while their
 * row is written; they are acked only once the row is on disk. A crash therefore loses nothing (the broker
 * redelivers both) and a redelivered message whose row already exists is recognised by id (from the join's memory,
 * seeded at start with the ids already in the CSV) and acked without a second row. Consequences:
 * - the consumers' prefetch bounds the join buffer, and must exceed the skew between the two streams;
 * - an entry that waits longer than the TTL, or is pushed out of a full buffer, is dead-lettered as unmatched,
 *   with its reason: counted, never dropped silently;
 * - when a side's stream ends (the transport closes), the entries left waiting are nacked, not dead-lettered:
 *   their partner may still come after a restart.
 * A failed write (disk full, folder unwritable) is retried with backoff while the messages stay unacked, so the
 * rows arrive once the disk recovers; meanwhile consumption pauses when prefetch is exhausted.
 *
 * This module is the join; the rows are written by `groupCommitWriter` and broadcast by `broadcastMetrics`.
 */
import { Observable } from 'rxjs';
import { burstClock } from '../core/burstClock.js';
import { combineById, type JoinEvent } from '../core/combineById.js';
import { finiteNumber } from '../core/codec.js';
import { idKey, type RecordId } from '../core/envelope.js';
import type { MetricRecord } from '../core/metricsBody.js';
import { formatMetricRow } from '../core/metricCsv.js';
import { partitionTopic } from '../core/partitions.js';
import { Y_PRED, Y_TRUE, type Topic } from '../core/topics.js';
import type { Delivery, Transport } from '../core/transport.js';
import type { CsvAppender } from '../files/csvAppender.js';
import { broadcastMetrics } from '../delivery/broadcastMetrics.js';
import { decodeDelivery } from '../core/decodeDelivery.js';
import { groupCommitWriter } from '../delivery/groupCommitWriter.js';
import { deadLetter } from '../delivery/settle.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';
import { trackedEmitter } from '../delivery/trackedEmitter.js';

// Part of what this service publishes, so it is exported with it.
export { METRICS_CHUNK_RECORDS } from '../delivery/broadcastMetrics.js';

/** The defaults of `MetricServiceOptions` (`maxPending` defaults to 2 × `prefetch`). */
export const METRIC_DEFAULTS = { prefetch: 2_000, ttlMs: 60_000, retryDelayMs: 100 } as const;

export interface MetricServiceOptions {
  /** Deliveries outstanding per side; bounds the join buffer. @default METRIC_DEFAULTS.prefetch */
  readonly prefetch?: number;
  /** Most records waiting for their partner. @default 2 × prefetch */
  readonly maxPending?: number;
  /**
   * Longest a record waits for its partner before it is dead-lettered as unmatched, in ms.
   * @default METRIC_DEFAULTS.ttlMs
   */
  readonly ttlMs?: number;
  /** Join keys already in the CSV (a restart must not write them again). */
  readonly alreadyJoined?: Iterable<string>;
  /** Delay before retrying a failed write, in ms; doubles up to 5 s. @default METRIC_DEFAULTS.retryDelayMs */
  readonly retryDelayMs?: number;
  /** Stop: take no new messages, finish the rows being written, then complete (waiting entries stay unacked). */
  readonly signal?: AbortSignal;
  /** Called with every message taken from `y_true` or `y_pred`, bad ones too, before anything else (a trace). */
  readonly onConsumed?: (delivery: Delivery) => void;
  /**
   * The partition this metric owns: it consumes `y_true.<index>` and `y_pred.<index>` (see partitions.ts).
   * @default the one partition, `y_true` and `y_pred`
   */
  readonly partition?: { readonly index: number; readonly count: number };
}

interface JoinedRow {
  readonly record: MetricRecord;
  /** The `y_true` and the `y_pred` message. */
  readonly deliveries: readonly [Delivery, Delivery];
  readonly key: string;
  readonly pending: number;
}

interface Side {
  readonly id: RecordId;
  readonly key: string;
  readonly value: number;
  readonly delivery: Delivery;
}

/**
 * The metric service over `transport`, appending to `csv`; see the module comment for its contract.
 *
 * @example
 * ```ts
 * metricService(transport, await CsvAppender.open('logs/metric_log.csv'), { signal }).subscribe(console.log);
 * ```
 */
export function metricService(
  transport: Transport,
  csv: CsvAppender,
  options: MetricServiceOptions = {},
): Observable<ServiceEvent> {
  const prefetch = options.prefetch ?? METRIC_DEFAULTS.prefetch;
  const ttlMs = options.ttlMs ?? METRIC_DEFAULTS.ttlMs;
  const signal = options.signal;
  const { index, count } = options.partition ?? { index: 0, count: 1 };
  const yTrue = partitionTopic(Y_TRUE, index, count);
  const yPred = partitionTopic(Y_PRED, index, count);

  return new Observable<ServiceEvent>((subscriber) => {
    const out = trackedEmitter(subscriber);
    // Second copies of a message whose first copy still waits in the join. On RabbitMQ such a copy only exists
    // because the first one's channel died, so the copy holds the live delivery: settle both with the record.
    const copies = new Map<string, Delivery[]>();
    const settleCopies = (key: string, settle: (d: Delivery) => void): void => {
      if (copies.size === 0) return; // the usual case: no lookup per record
      const held = copies.get(key);
      if (held === undefined) return;
      copies.delete(key);
      for (const d of held) settle(d);
    };

    // Decoding happens before the join; what cannot be decoded is dead-lettered and never joined.
    const side = (topic: Topic): Observable<Side> =>
      new Observable<Side>((joinInput) =>
        transport.consume(topic, { group: 'metric', prefetch }).subscribe({
          next: (delivery) => {
            options.onConsumed?.(delivery);
            if (signal?.aborted) return delivery.nack();
            const decoded = decodeDelivery(delivery, finiteNumber);
            if (!decoded.ok) return out.track(deadLetter(delivery, decoded.error.code, decoded.error.reason));
            const { id, body } = decoded.value;
            joinInput.next({ id, key: idKey(id), value: body, delivery });
          },
          error: (e: unknown) => joinInput.error(e),
          complete: () => joinInput.complete(),
        }),
      );

    // A row's messages are acked only after its write; then its copies go, and the dashboards hear of it.
    const writer = groupCommitWriter<JoinedRow>({
      log: csv,
      format: (row) => formatMetricRow(row.record),
      retryDelayMs: options.retryDelayMs ?? METRIC_DEFAULTS.retryDelayMs,
      run: out.run,
      onRetry: (reason) => out.emit({ kind: 'retried', topic: yTrue.name, reason }),
      onWritten: (batch) => {
        for (const { record, key, pending } of batch) {
          settleCopies(key, (d) => d.ack());
          out.emit({ kind: 'joined', record, pending });
        }
        broadcastMetrics(transport, batch);
      },
    });

    const onJoinEvent = (event: JoinEvent<Side, Side>): void => {
      switch (event.kind) {
        case 'joined': {
          const { left: t, right: p, pending } = event;
          const record: MetricRecord = {
            id: t.id,
            y_true: t.value,
            y_pred: p.value,
            absolute_error: Math.abs(t.value - p.value),
          };
          return writer.add({ record, deliveries: [t.delivery, p.delivery], key: event.key, pending });
        }
        case 'duplicate': {
          const { delivery } = event.item;
          if (event.waiting) {
            const held = copies.get(event.key);
            if (held) held.push(delivery);
            else copies.set(event.key, [delivery]);
          } else delivery.ack();
          return out.emit({ kind: 'duplicate', topic: delivery.topic, pending: event.pending });
        }
        case 'unmatched': {
          const { delivery } = event.item;
          // The other side ended (transport closing): the partner may still come after a restart.
          if (event.reason === 'completed') {
            settleCopies(event.key, (d) => d.nack());
            return delivery.nack();
          }
          const other = event.side === 'left' ? yPred.name : yTrue.name;
          const reason =
            event.reason === 'ttl'
              ? `unmatched: no ${other} for id ${String(event.item.id)} within ${ttlMs} ms`
              : `unmatched: join buffer full, id ${String(event.item.id)} evicted before its ${other} came`;
          const pending = event.pending;
          return out.track(
            deadLetter(delivery, 'unmatched', reason).then((e): ServiceEvent => {
              // One dead letter stands for the record: its copies go with it, or come back with it on failure.
              const moved = e.kind === 'dead-lettered';
              settleCopies(event.key, (d) => (moved ? d.ack() : d.nack()));
              return moved
                ? { kind: 'unmatched', topic: delivery.topic, id: event.item.id, reason, pending }
                : e;
            }),
          );
        }
      }
    };

    const join = combineById(
      side(yTrue),
      side(yPred),
      { left: (s) => s.key, right: (s) => s.key },
      {
        maxPending: options.maxPending ?? 2 * prefetch,
        ttlMs,
        arrivalClock: burstClock(),
        ...(options.alreadyJoined ? { alreadyJoined: options.alreadyJoined } : {}),
      },
    ).subscribe({ next: onJoinEvent, error: out.fail, complete: out.completeWhenIdle });
    // Stop: no new messages are taken (see `side`); once the rows being written are acked, cancel the consumers.
    // Entries still waiting in the join stay unacked, so the broker redelivers them to the next run.
    const stopListening = out.stopOnAbort(signal, () => join.unsubscribe());
    return () => {
      writer.close();
      stopListening();
      join.unsubscribe();
    };
  });
}
