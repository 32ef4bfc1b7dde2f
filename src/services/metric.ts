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
 */
import { Observable } from 'rxjs';
import { burstClock } from '../core/burstClock.js';
import { combineById, type JoinEvent } from '../core/combineById.js';
import { finiteNumber } from '../core/codec.js';
import { idKey, type MetricRecord, type RecordId } from '../core/envelope.js';
import { formatMetricRow } from '../core/metricCsv.js';
import { redactText } from '../core/redact.js';
import { METRICS, Y_PRED, Y_TRUE, type Topic } from '../core/topics.js';
import type { Delivery, Transport } from '../core/transport.js';
import type { CsvAppender } from '../files/csvAppender.js';
import { decodeDelivery } from '../delivery/decodeDelivery.js';
import { InFlight } from '../delivery/inFlight.js';
import { deadLetter } from '../delivery/settle.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';

export const METRIC_DEFAULTS = { prefetch: 2_000, ttlMs: 60_000, retryDelayMs: 100 } as const;

export interface MetricServiceOptions {
  /** Deliveries outstanding per side; bounds the join buffer. @default 2_000 */
  readonly prefetch?: number;
  /** Most records waiting for their partner. @default 2 × prefetch */
  readonly maxPending?: number;
  /** Longest a record waits for its partner before it is dead-lettered as unmatched. @default 60_000 ms */
  readonly ttlMs?: number;
  /** Join keys already in the CSV (a restart must not write them again). */
  readonly alreadyJoined?: Iterable<string>;
  /** Delay before retrying a failed write; doubles up to 5 s. @default 100 ms */
  readonly retryDelayMs?: number;
  /** Stop: take no new messages, finish the rows being written, then complete (waiting entries stay unacked). */
  readonly signal?: AbortSignal;
}

interface JoinedRow {
  readonly record: MetricRecord;
  readonly t: Delivery;
  readonly p: Delivery;
  readonly key: string;
  readonly pending: number;
}

interface Side {
  readonly id: RecordId;
  readonly key: string;
  readonly value: number;
  readonly delivery: Delivery;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Most records per `metrics` message. A message per record cost 10–20% of this service's and the broker's CPU;
 * 500 records stay well under the 512 KiB a consumer decodes, even with 256-character ids (about 180 kB).
 */
export const METRICS_CHUNK_RECORDS = 500;

export function metricService(
  transport: Transport,
  csv: CsvAppender,
  options: MetricServiceOptions = {},
): Observable<ServiceEvent> {
  const prefetch = options.prefetch ?? 2_000;
  const ttlMs = options.ttlMs ?? 60_000;
  const retryDelayMs = options.retryDelayMs ?? 100;

  return new Observable<ServiceEvent>((subscriber) => {
    let closing = false;
    const inFlight = new InFlight();
    const signal = options.signal;
    const emit = (event: ServiceEvent | undefined): void => {
      if (event !== undefined) subscriber.next(event);
    };
    const fail = (error: unknown): void => subscriber.error(error);
    // The event is emitted inside the tracked work: a stop that waits for idle must not complete before it.
    const track = (work: Promise<ServiceEvent | undefined>): void =>
      void inFlight.track(work.then(emit, fail)).catch(fail);
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
      new Observable<Side>((out) =>
        transport.consume(topic, { group: 'metric', prefetch }).subscribe({
          next: (delivery) => {
            if (signal?.aborted) return delivery.nack();
            const decoded = decodeDelivery(delivery, finiteNumber);
            if (!decoded.ok) return track(deadLetter(delivery, decoded.error.code, decoded.error.reason));
            const { id, body } = decoded.value;
            out.next({ id, key: idKey(id), value: body, delivery });
          },
          error: (e: unknown) => out.error(e),
          complete: () => out.complete(),
        }),
      );

    // Group commit: rows joined while a write is under way go out together in the next write, so writes adapt
    // to the load and no row costs a promise of its own. A row's messages are acked only after its write.
    let rows: JoinedRow[] = [];
    let text = '';
    let writing = false;

    // Dashboards are best-effort: a lost broadcast never holds back the log. The records themselves go in the
    // body (each is exactly `{id, y_true, y_pred, absolute_error}` and never changes), so a chunk copies nothing.
    const broadcast = (batch: readonly JoinedRow[]): void => {
      for (let start = 0; start < batch.length; start += METRICS_CHUNK_RECORDS) {
        const end = Math.min(start + METRICS_CHUNK_RECORDS, batch.length);
        const body: MetricRecord[] = [];
        for (let i = start; i < end; i++) body.push((batch[i] as JoinedRow).record);
        const env = { id: (batch[start] as JoinedRow).record.id, body };
        if (!transport.tryPublish?.(METRICS, env)) transport.publish(METRICS, env).catch(() => undefined);
      }
    };
    const writeBatch = async (batch: JoinedRow[], data: string): Promise<void> => {
      for (let delay = retryDelayMs; ; delay = Math.min(delay * 2, 5000)) {
        try {
          await csv.append(data);
          break;
        } catch (error) {
          if (closing) throw error;
          const reason = `writing ${csv.path} failed, retrying: ${redactText((error as Error).message)}`;
          subscriber.next({ kind: 'retried', topic: Y_TRUE.name, reason });
          for (const r of batch) {
            r.t.working();
            r.p.working();
          }
          await sleep(delay);
        }
      }
      for (const { record, t, p, key, pending } of batch) {
        t.ack();
        p.ack();
        settleCopies(key, (d) => d.ack());
        subscriber.next({ kind: 'joined', record, pending });
      }
      broadcast(batch);
    };
    const flush = (): void => {
      if (rows.length === 0) {
        writing = false;
        return;
      }
      const batch = rows;
      const data = text;
      rows = [];
      text = '';
      // The next flush runs inside the tracked work, so a stop waiting for idle cannot slip in between batches.
      inFlight.track(writeBatch(batch, data).then(flush)).catch(fail);
    };
    const enqueue = (row: JoinedRow): void => {
      rows.push(row);
      text += formatMetricRow(row.record);
      if (writing) return;
      writing = true;
      // Let the rest of this burst of deliveries join first, so they share the write.
      inFlight.track(Promise.resolve().then(flush)).catch(fail);
    };

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
          return enqueue({ record, t: t.delivery, p: p.delivery, key: event.key, pending });
        }
        case 'duplicate': {
          const { delivery } = event.item;
          if (event.waiting) {
            const held = copies.get(event.key);
            if (held) held.push(delivery);
            else copies.set(event.key, [delivery]);
          } else delivery.ack();
          return emit({ kind: 'duplicate', topic: delivery.topic, pending: event.pending });
        }
        case 'unmatched': {
          const { delivery } = event.item;
          // The other side ended (transport closing): the partner may still come after a restart.
          if (event.reason === 'completed') {
            settleCopies(event.key, (d) => d.nack());
            return delivery.nack();
          }
          const other = event.side === 'left' ? Y_PRED.name : Y_TRUE.name;
          const reason =
            event.reason === 'ttl'
              ? `unmatched: no ${other} for id ${String(event.item.id)} within ${ttlMs} ms`
              : `unmatched: join buffer full, id ${String(event.item.id)} evicted before its ${other} came`;
          const pending = event.pending;
          return track(
            deadLetter(delivery, 'unmatched', reason).then((e): ServiceEvent => {
              // One dead letter stands for the record: its copies go with it, or come back with it on failure.
              const moved = e.kind === 'dead-lettered';
              settleCopies(event.key, (d) => (moved ? d.ack() : d.nack()));
              return moved ? { kind: 'unmatched', topic: delivery.topic, reason, pending } : e;
            }),
          );
        }
      }
    };

    const join = combineById(
      side(Y_TRUE),
      side(Y_PRED),
      { left: (s) => s.key, right: (s) => s.key },
      {
        maxPending: options.maxPending ?? 2 * prefetch,
        ttlMs,
        arrivalClock: burstClock(),
        ...(options.alreadyJoined ? { alreadyJoined: options.alreadyJoined } : {}),
      },
    ).subscribe({
      next: onJoinEvent,
      error: fail,
      complete: () => void inFlight.whenIdle().then(() => subscriber.complete()),
    });
    // Stop: no new messages are taken (see `side`); once the rows being written are acked, cancel the consumers.
    // Entries still waiting in the join stay unacked, so the broker redelivers them to the next run.
    const onAbort = (): void =>
      void inFlight.whenIdle().then(() => {
        join.unsubscribe();
        subscriber.complete();
      });
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return () => {
      closing = true;
      signal?.removeEventListener('abort', onAbort);
      join.unsubscribe();
    };
  });
}
