/**
 * Where the dashboard's data comes from: a transport (the broadcast topics `metrics`, `status`, `summary` and
 * `alerts`, so any number of dashboards can attach to a running pipeline at any time) or the metric log, followed
 * like `tail -F`, with the metric's summary file next to it.
 */
import { stat } from 'node:fs/promises';
import {
  catchError,
  concat,
  defer,
  exhaustMap,
  from,
  map,
  merge,
  mergeMap,
  of,
  switchMap,
  timer,
  type Observable,
} from 'rxjs';
import type { EnvelopeBodyValidator } from '../core/codec.js';
import { decodeDelivery } from '../core/decodeDelivery.js';
import { metricsBody } from '../core/metricsBody.js';
import { statusBody } from '../core/statusBody.js';
import { alertEventBody, summaryBody } from '../core/summaryBody.js';
import { ALERTS, METRICS, STATUS, SUMMARY, type Topic } from '../core/topics.js';
import type { ConnectionState, Transport } from '../core/transport.js';
import type { DashboardEvent as FeedEvent } from './viewModel.js';
import { errorMessage } from '../core/errors.js';
import { summaryFileEvents } from './summaryFile.js';

export type { DashboardEvent as FeedEvent } from './viewModel.js';

export interface DashboardFeed {
  /** As shown on the dashboard: `nats`, `csv logs/metric_log.csv`. */
  readonly source: string;
  /** Every record is a joined record and the feed sees them all (the metric log): its count is the joined count. */
  readonly countsJoined: boolean;
  /** Cold: subscribing starts the consumers, unsubscribing stops them. */
  readonly events$: Observable<FeedEvent>;
}

/** Deliveries outstanding per topic: the dashboard takes each one at once, so this only bounds a burst. */
export const FEED_PREFETCH = 1000;
/** Milliseconds between two reads of the metric log when not configured. */
export const DEFAULT_CSV_POLL_MS = 250;

/** Re-subscribes to `source` a second after it fails, reporting the failure as a malformed event meanwhile. */
const resilient = (what: string, source: Observable<FeedEvent>): Observable<FeedEvent> =>
  source.pipe(
    catchError((e: unknown, caught) =>
      concat(
        of<FeedEvent>({ kind: 'malformed', reason: `${what}: ${errorMessage(e)}`, count: 0 }),
        timer(1000).pipe(switchMap(() => caught)),
      ),
    ),
  );

/**
 * The events of a broadcast topic: `toEvents` turns one valid message into its events, in order (a `metrics`
 * message carries a batch of records); a message that is not valid is one `malformed` event.
 */
function consumeBroadcast<B>(
  transport: Transport,
  topic: Topic,
  validate: EnvelopeBodyValidator<B>,
  toEvents: (body: B) => readonly FeedEvent[],
): Observable<FeedEvent> {
  return transport.consume(topic, { prefetch: FEED_PREFETCH }).pipe(
    // An array is emitted synchronously, element by element: one message's events stay together and in order.
    mergeMap((d): readonly FeedEvent[] => {
      // The same checks, and the same reasons, as the services apply before they dead-letter a message.
      const decoded = decodeDelivery(d, validate);
      // Nothing the dashboard does with a message is durable: it is taken as soon as it is read.
      d.ack();
      return decoded.ok
        ? toEvents(decoded.value.body)
        : [{ kind: 'malformed', reason: `${topic.name}: ${decoded.error.reason}`, count: 1 }];
    }),
  );
}

/**
 * The feed of a connected transport: its connection state, the records of `metrics` (a message carries a batch
 * of them, or one in the older form), and the messages of `status`, `summary` and `alerts`. The transport stays
 * the caller's to close.
 *
 * @example
 * ```ts
 * await runDashboard({ feed: transportFeed(await createTransport({ kind: 'nats' })) });
 * ```
 */
export function transportFeed(transport: Transport): DashboardFeed {
  return {
    source: transport.name,
    countsJoined: false,
    events$: merge(
      transport.state$.pipe(map((state): FeedEvent => ({ kind: 'state', state }))),
      resilient(
        METRICS.name,
        consumeBroadcast(transport, METRICS, metricsBody, (records) => {
          const events: FeedEvent[] = [];
          for (const record of records) events.push({ kind: 'record', record });
          return events;
        }),
      ),
      resilient(
        STATUS.name,
        consumeBroadcast(transport, STATUS, statusBody, (status) => [{ kind: 'status', status }]),
      ),
      resilient(
        SUMMARY.name,
        consumeBroadcast(transport, SUMMARY, summaryBody, (summary) => [{ kind: 'summary', summary }]),
      ),
      resilient(
        ALERTS.name,
        consumeBroadcast(transport, ALERTS, alertEventBody, (alert) => [{ kind: 'alert', alert }]),
      ),
    ),
  };
}

/**
 * The feed of the metric log `csvFile`, read every `pollMs` from its first row (see `createMetricLogReader`),
 * and of the metric's `summaryFile` when given (see `summaryFileEvents`). A failed read of the log shows as
 * `reconnecting` until a read succeeds again.
 */
export function csvFeed(
  csvFile: string,
  pollMs: number = DEFAULT_CSV_POLL_MS,
  summaryFile?: string,
): DashboardFeed {
  /** Bytes in the log when it was (re)opened: the rows in them are backlog, not arrivals. */
  const sizeNow = (): Promise<number> =>
    stat(csvFile).then(
      (s) => s.size,
      () => 0,
    );
  const events$ = defer(async () => {
    // Loaded only when the log is the source. The reader's module stays clear of the PNG renderer (the plot
    // module brings it along), so the dashboard never loads that.
    // The log and its partition logs (metric_log.<p>.csv) as one.
    const { createPartitionedLogReader } = await import('../files/partitionedLogReader.js');
    return { reader: createPartitionedLogReader(csvFile), backlogBytes: await sizeNow() };
  }).pipe(
    switchMap(({ reader, backlogBytes }) => {
      let state: ConnectionState = 'connecting';
      const read = async (): Promise<FeedEvent[]> => {
        const from = reader.offset;
        const chunk = await reader.read();
        const events: FeedEvent[] = [];
        if (state !== 'connected') events.push({ kind: 'state', state: (state = 'connected') });
        if (chunk.restarted) {
          events.push({ kind: 'restart' });
          backlogBytes = await sizeNow();
        }
        if (chunk.malformedRows > 0)
          events.push({ kind: 'malformed', reason: 'malformed rows skipped', count: chunk.malformedRows });
        const backlog = (chunk.restarted ? 0 : from) < backlogBytes;
        for (const record of chunk.records) events.push({ kind: 'record', record, backlog });
        return events;
      };
      return concat(
        of<FeedEvent>({ kind: 'state', state }),
        timer(0, pollMs).pipe(
          exhaustMap(() =>
            from(read()).pipe(
              mergeMap((events) => events),
              catchError((e: unknown) => {
                const events: FeedEvent[] = [
                  { kind: 'malformed', reason: `${csvFile}: ${errorMessage(e)}`, count: 0 },
                ];
                if (state !== 'reconnecting') events.push({ kind: 'state', state: (state = 'reconnecting') });
                return from(events);
              }),
            ),
          ),
        ),
      );
    }),
  );
  return {
    source: `csv ${csvFile}`,
    countsJoined: true,
    events$: summaryFile === undefined ? events$ : merge(events$, summaryFileEvents(summaryFile)),
  };
}
