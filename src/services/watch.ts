/**
 * Model watching, the effects: feeds a `ModelWatch` with the metric service's joined records and with the model
 * replicas' `drift` broadcasts, and reports what it finds. Runs alongside the metric service (its events pass
 * through unchanged), in the metric command and in the one-process pipeline alike.
 *
 * - Joined records arrive once their row is durable, in CSV order, so the figures are those of the CSV.
 * - The rules are evaluated every `EVALUATE_EVERY_RECORDS` records (but at most once per `EVALUATE_MIN_MS`), on
 *   each drift message and on each summary. Each
 *   alert that starts or stops firing is a warning in the log, a line of the alerts file and a message on `alerts`.
 * - The summary is written (atomically) and broadcast on `summary` at most once per `summaryEveryMs` while records
 *   come, and once more when the metric stream ends, after its last row.
 * - Everything here is best-effort: a failed file write is a warning, a lost broadcast nothing; a bad drift message
 *   is counted and warned about once. None of it ever fails the metric.
 */
import { Observable, retry, timer, type Subscription } from 'rxjs';
import { decodeDelivery } from '../core/decodeDelivery.js';
import { driftBody } from '../core/driftBody.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { ModelWatch } from '../core/modelWatch.js';
import { newRunId } from '../core/recordIds.js';
import type { AlertEventBody } from '../core/summaryBody.js';
import { ALERTS, DRIFT, SUMMARY, type Topic } from '../core/topics.js';
import type { Transport } from '../core/transport.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';
import { jsonLinesLog } from '../files/jsonLinesLog.js';
import { writeFileAtomic } from '../files/writeFileAtomic.js';
import { fsReason } from '../files/fsReason.js';

/** Shortest pause, in ms, between two summaries while records come. */
export const SUMMARY_EVERY_MS = 1000;
/**
 * Shortest pause, in ms, between two evaluations prompted by records: at 200,000 records/s, every 100 records
 * would be 2,000 evaluations a second (their snapshots and lookups cost the one-process pipeline about 1 %);
 * this makes it at most 100, and changes nothing below 10,000 records/s.
 */
export const EVALUATE_MIN_MS = 10;
/** Drift messages outstanding: up to 50 a second per replica, taken at once. */
const DRIFT_PREFETCH = 100;

export interface WatchModelOptions {
  readonly watch: ModelWatch;
  readonly log: Logger;
  /** Where the summary is written; undefined: broadcast only. */
  readonly summaryFile?: string | undefined;
  /** Where alert changes are appended, one JSON line each; undefined: none. */
  readonly alertsFile?: string | undefined;
  /** @default SUMMARY_EVERY_MS */
  readonly summaryEveryMs?: number;
  /** Shortest pause between two evaluations prompted by records. @default EVALUATE_MIN_MS */
  readonly evaluateMinMs?: number;
  /** Wall-clock time in ms, for the alerts and the summary. @default Date.now */
  readonly now?: () => number;
}

/**
 * `metric$`'s events, unchanged, with the model watched on the side (see the module comment). The stream
 * completes (or errors) only after the last summary is written and the alerts file flushed.
 *
 * @example
 * ```ts
 * const watch = new ModelWatch({ reference, rules: defaultAlertRules(reference !== undefined) });
 * watchModel(metricService(transport, csv, { signal }), transport, { watch, log, summaryFile }).subscribe();
 * ```
 */
export function watchModel(
  metric$: Observable<ServiceEvent>,
  transport: Transport,
  options: WatchModelOptions,
): Observable<ServiceEvent> {
  const { watch, log } = options;
  const now = options.now ?? Date.now;
  const everyMs = options.summaryEveryMs ?? SUMMARY_EVERY_MS;
  const evaluateMinMs = options.evaluateMinMs ?? EVALUATE_MIN_MS;

  return new Observable<ServiceEvent>((subscriber) => {
    const instance = newRunId();
    let sequence = 0;
    // Broadcasts are best-effort: nobody may be listening, and a dashboard must never hold the metric back.
    const broadcast = (topic: Topic, body: unknown): void =>
      void transport.publish(topic, { id: `${instance}-${++sequence}`, body }).catch(() => undefined);
    const alertsLog = options.alertsFile === undefined ? undefined : jsonLinesLog(options.alertsFile, log);
    const report = (events: readonly AlertEventBody[]): void => {
      for (const e of events) {
        log(
          'warn',
          `alert ${e.state}: ${e.rule} (value ${e.value}, threshold ${e.threshold}, record ${e.record})`,
        );
        alertsLog?.append(e);
        broadcast(ALERTS, e);
      }
    };
    const evaluate = (): void => report(watch.evaluate(now()));
    const warnOnce = onceLogger(log);

    // Summaries, one at a time, in order.
    let writing = Promise.resolve();
    let writeFailing = false;
    const writeSummary = (): Promise<void> =>
      (writing = writing.then(async () => {
        evaluate();
        const body = watch.summary(now());
        broadcast(SUMMARY, body);
        const file = options.summaryFile;
        if (file === undefined) return;
        try {
          await writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`);
          writeFailing = false;
        } catch (e) {
          if (!writeFailing) log('warn', `cannot write the summary ${file}: ${fsReason(e)}`);
          writeFailing = true;
        }
      })).catch((e: unknown) => log('warn', `summary: ${errorMessage(e)}`)); // the chain must go on
    let lastSummary = -Infinity;
    let pending: NodeJS.Timeout | undefined;
    const summaryNow = (): void => {
      pending = undefined;
      lastSummary = performance.now();
      void writeSummary();
    };
    // Leading and trailing: the first record after a quiet second is summarised at once, a burst once a second.
    const summaryDue = (): void => {
      if (pending !== undefined) return;
      const wait = lastSummary + everyMs - performance.now();
      if (wait <= 0) summaryNow();
      else pending = setTimeout(summaryNow, wait);
    };

    let lastEvaluated = -Infinity;
    const onJoined = (yTrue: number, yPred: number): void => {
      try {
        if (watch.record(yTrue, yPred)) {
          const t = performance.now();
          if (t - lastEvaluated >= evaluateMinMs) {
            lastEvaluated = t;
            evaluate();
          }
        }
      } catch (e) {
        // Only values whose squares overflow get here (the join passes finite numbers only).
        warnOnce('record', `quality: a record was left out of the figures: ${errorMessage(e)}`);
      }
      summaryDue();
    };

    let drift: Subscription | undefined;
    if (watch.driftEnabled)
      drift = transport
        .consume(DRIFT, { prefetch: DRIFT_PREFETCH })
        .pipe(
          retry({
            delay: (e: unknown) => {
              log('warn', `drift: consuming ${DRIFT.name} failed, again in 1 s: ${errorMessage(e)}`);
              return timer(1000);
            },
          }),
        )
        .subscribe((d) => {
          d.ack(); // nothing here is durable: a lost drift message is replaced by the next one
          const decoded = decodeDelivery(d, driftBody);
          const problem = decoded.ok ? watch.drift(decoded.value.body, now()) : decoded.error.reason;
          if (!decoded.ok) watch.malformed();
          if (problem !== undefined)
            warnOnce(
              'drift',
              `drift: ignoring a malformed message (${problem}); further ones are only counted`,
            );
          // Not evaluated at once: drift comes every 1,000 vectors per replica, and the summary (at most once a
          // second, leading and trailing) evaluates the rules first; so drift alerts come without records too.
          else summaryDue();
        });

    const finish = async (): Promise<void> => {
      if (pending !== undefined) clearTimeout(pending);
      pending = undefined;
      drift?.unsubscribe();
      watch.settleDrift();
      await writeSummary();
      await alertsLog?.flush();
      if (watch.malformedDrift > 0) log('warn', `drift: ${watch.malformedDrift} malformed messages ignored`);
    };
    const metric = metric$.subscribe({
      next: (e) => {
        if (e.kind === 'joined') onJoined(e.record.y_true, e.record.y_pred);
        subscriber.next(e);
      },
      error: (err: unknown) => void finish().then(() => subscriber.error(err)),
      complete: () => void finish().then(() => subscriber.complete()),
    });
    return () => {
      if (pending !== undefined) clearTimeout(pending);
      drift?.unsubscribe();
      metric.unsubscribe();
    };
  });
}

/** A logger that logs each `key`'s first warning only. */
function onceLogger(log: Logger): (key: string, message: string) => void {
  const said = new Set<string>();
  return (key, message) => {
    if (said.has(key)) return;
    said.add(key);
    log('warn', message);
  };
}
