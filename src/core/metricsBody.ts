/**
 * The body of a `metrics` message: the records of one batch the metric service wrote, for dashboards. Its type
 * and its validator live here together, so a producer and a reader cannot drift apart. Pure.
 *
 * @example
 * ```ts
 * const decoded = decodeDelivery(delivery, metricsBody);
 * if (decoded.ok) for (const record of decoded.value.body) show(record);
 * ```
 */
import { describeValue, pass, refuse, validateId, type EnvelopeBodyValidator } from './codec.js';
import type { RecordId } from './envelope.js';

/** The older body of a `metrics` message: one joined record, its id the envelope's. */
export interface MetricBody {
  readonly y_true: number;
  readonly y_pred: number;
  readonly absolute_error: number;
}

/** A joined record, as the metric service logs it and broadcasts it. */
export interface MetricRecord extends MetricBody {
  readonly id: RecordId;
}

/** The body of a `metrics` message: one batch of records, each with its own id. */
export type MetricsBody = readonly MetricRecord[];

/** Most records one `metrics` message may carry (the metric service sends at most 500). */
export const MAX_METRIC_RECORDS = 10_000;

const METRIC_FIELDS = ['y_true', 'y_pred', 'absolute_error'] as const;

/** Why `v` does not hold a record's three finite numbers, or `undefined` if it does; `at` names it in the reason. */
function metricFieldsProblem(v: unknown, at: string): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return `${at} must be an object, got ${describeValue(v)}`;
  const b = v as Record<string, unknown>;
  for (const k of METRIC_FIELDS) {
    const x = b[k];
    if (typeof x !== 'number' || !Number.isFinite(x))
      return `${at}.${k} must be a finite number, got ${describeValue(x)}`;
  }
  return undefined;
}

/**
 * Checks the body of a `metrics` message, in either form: an array of `{id, y_true, y_pred, absolute_error}`
 * (one message per write batch), or the older one-record `{y_true, y_pred, absolute_error}` with the envelope's
 * id, so a dashboard still reads an older metric service. One bad element makes the whole message bad: a
 * producer that writes it is broken, and a partial batch would hide that.
 */
export const metricsBody: EnvelopeBodyValidator<MetricsBody> = (body, id) => {
  if (!Array.isArray(body)) {
    if (typeof body !== 'object' || body === null)
      return refuse(`body must be an array of records or one record, got ${describeValue(body)}`);
    const problem = metricFieldsProblem(body, 'body');
    if (problem !== undefined) return refuse(problem);
    const { y_true, y_pred, absolute_error } = body as MetricBody;
    return pass([{ id, y_true, y_pred, absolute_error }]);
  }
  if (body.length === 0) return refuse('body must not be an empty array');
  if (body.length > MAX_METRIC_RECORDS)
    return refuse(`body has ${body.length} records; at most ${MAX_METRIC_RECORDS}`);
  // Fresh records with exactly their four fields: whatever else a producer adds goes no further.
  const records: MetricRecord[] = [];
  for (let i = 0; i < body.length; i++) {
    const element: unknown = body[i];
    const problem = metricFieldsProblem(element, `body[${i}]`);
    if (problem !== undefined) return refuse(problem);
    const r = element as MetricRecord;
    const recordId = validateId(r.id);
    if (!recordId.ok) return refuse(`body[${i}]: ${recordId.reason}`);
    records.push({
      id: recordId.value,
      y_true: r.y_true,
      y_pred: r.y_pred,
      absolute_error: r.absolute_error,
    });
  }
  return pass(records);
};
