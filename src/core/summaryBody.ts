/**
 * The metric's summary of the model at work: quality over all records and over the sliding window, drift against
 * the training data, and the alerts firing now. One shape for `logs/metric_summary.json`, the `summary` broadcast
 * and the dashboard; and the body of an `alerts` message, one per alert that starts or stops firing. Pure.
 *
 * @example
 * ```ts
 * summaryBody(JSON.parse(readFileSync('logs/metric_summary.json', 'utf8'))); // { ok: true, value: … }
 * ```
 */
import { describeValue, pass, refuse, type BodyValidator, type Check } from './codec.js';
import { errorMessage } from './errors.js';
import type { QualityFigures, QualitySnapshot, WindowQualityFigures } from './quality.js';

/** Drift as the summary reports it. */
export interface DriftSummary {
  /** False when the model file has no reference profile, or drift is switched off; `reason` says which. */
  readonly enabled: boolean;
  readonly reason?: string;
  /** Vectors behind the PSI figures: the sum of the model replicas' windows. */
  readonly n: number;
  /** Model replicas whose windows are merged. */
  readonly sources: number;
  /** PSI of each feature and of `prediction` against the reference; null while too few vectors were seen. */
  readonly psi: Readonly<Record<string, number | null>>;
}

/** An alert firing now. */
export interface FiringAlertBody {
  /** The alert: its rule in canonical form, with the column in place of `*` (`psi.bmi > 0.2`). */
  readonly rule: string;
  readonly value: number;
  readonly threshold: number;
  /** When it fired, ISO 8601. */
  readonly since: string;
  /** In a summary merged over metric partitions: the partition whose metric fires it. */
  readonly partition?: number;
}

/** The summary document (metric_summary.json, the `summary` topic). */
export interface SummaryBody extends QualitySnapshot {
  /** When it was made, ISO 8601. */
  readonly updated: string;
  readonly drift: DriftSummary;
  readonly alerts: readonly FiringAlertBody[];
  /** Only in a summary merged over metric partitions (see `mergeSummaries`): the partition logs it covers. */
  readonly partitions?: number;
}

/** One change of an alert: a line of alerts.jsonl and the body of an `alerts` message. */
export interface AlertEventBody {
  /** ISO 8601. */
  readonly at: string;
  readonly rule: string;
  readonly state: 'firing' | 'resolved';
  readonly value: number;
  readonly threshold: number;
  /** Records joined so far when it changed. */
  readonly record: number;
}

/** Where the metric writes the summary and the alert changes, in its log folder (as the original services name theirs). */
export const SUMMARY_FILE_NAME = 'metric_summary.json';
export const ALERTS_FILE_NAME = 'alerts.jsonl';

const FIGURES = ['mae', 'rmse', 'bias', 'r2', 'p50', 'p95', 'p99', 'max'] as const;
/** Most columns and alerts one summary may list. */
export const MAX_SUMMARY_ENTRIES = 1_000;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptional = (v: unknown): v is number | null => v === null || isFinite(v);
const isTime = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 64 && !Number.isNaN(Date.parse(v));
const isRule = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

function figuresProblem(v: unknown, at: string): string | undefined {
  if (!isObject(v)) return `${at} must be an object, got ${describeValue(v)}`;
  for (const k of FIGURES)
    if (!isOptional(v[k])) return `${at}.${k} must be a finite number or null, got ${describeValue(v[k])}`;
  return undefined;
}

function driftProblem(v: unknown): string | undefined {
  if (!isObject(v)) return `body.drift must be an object, got ${describeValue(v)}`;
  if (typeof v.enabled !== 'boolean') return `body.drift.enabled must be a boolean`;
  if (v.reason !== undefined && typeof v.reason !== 'string') return `body.drift.reason must be a string`;
  if (!isCount(v.n) || !isCount(v.sources)) return `body.drift.n and body.drift.sources must be counts`;
  if (!isObject(v.psi)) return `body.drift.psi must be an object, got ${describeValue(v.psi)}`;
  const entries = Object.entries(v.psi);
  if (entries.length > MAX_SUMMARY_ENTRIES)
    return `body.drift.psi has ${entries.length} columns; at most ${MAX_SUMMARY_ENTRIES}`;
  for (const [k, x] of entries)
    if (!isOptional(x) || (x !== null && x < 0))
      return `body.drift.psi.${k.slice(0, 40)} must be a non-negative number or null, got ${describeValue(x)}`;
  return undefined;
}

function alertsProblem(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length > MAX_SUMMARY_ENTRIES)
    return `body.alerts must be an array of at most ${MAX_SUMMARY_ENTRIES}`;
  for (const [i, a] of (v as unknown[]).entries()) {
    if (!isObject(a) || !isRule(a.rule) || !isFinite(a.value) || !isFinite(a.threshold) || !isTime(a.since))
      return `body.alerts[${i}] must be {rule, value, threshold, since}, got ${describeValue(a)}`;
    if (a.partition !== undefined && !isCount(a.partition))
      return `body.alerts[${i}].partition must be a non-negative integer, got ${describeValue(a.partition)}`;
  }
  return undefined;
}

/** Checks a summary document; the figures must be finite numbers or null (JSON has no NaN). */
export const summaryBody: BodyValidator<SummaryBody> = (body) => {
  if (!isObject(body)) return refuse(`body must be an object, got ${describeValue(body)}`);
  if (!isTime(body.updated))
    return refuse(`body.updated must be an ISO time, got ${describeValue(body.updated)}`);
  if (!isCount(body.n)) return refuse(`body.n must be a non-negative integer, got ${describeValue(body.n)}`);
  const w = body.window;
  const problem =
    figuresProblem(body.all, 'body.all') ??
    figuresProblem(w, 'body.window') ??
    (isObject(w) && isCount(w.size) && w.size > 0 && isCount(w.n) && w.n <= w.size
      ? undefined
      : 'body.window.size must be a positive integer and body.window.n at most size') ??
    driftProblem(body.drift) ??
    alertsProblem(body.alerts) ??
    (body.partitions === undefined || (isCount(body.partitions) && body.partitions > 0)
      ? undefined
      : `body.partitions must be a positive integer, got ${describeValue(body.partitions)}`);
  if (problem !== undefined) return refuse(problem);
  return pass({
    updated: body.updated,
    n: body.n,
    all: body.all as QualityFigures,
    window: w as WindowQualityFigures,
    drift: body.drift as DriftSummary,
    alerts: body.alerts as FiringAlertBody[],
    ...(body.partitions === undefined ? {} : { partitions: body.partitions as number }),
  });
};

/** The summary in `text` (a summary file's content), or why it is not one. */
export function parseSummary(text: string): Check<SummaryBody> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return refuse(`not JSON: ${errorMessage(e)}`);
  }
  return summaryBody(json);
}

/** Checks the body of an `alerts` message (a line of alerts.jsonl). */
export const alertEventBody: BodyValidator<AlertEventBody> = (body) => {
  if (!isObject(body)) return refuse(`body must be an object, got ${describeValue(body)}`);
  const { at, rule, state, value, threshold, record } = body;
  if (!isTime(at) || !isRule(rule) || (state !== 'firing' && state !== 'resolved'))
    return refuse(`body must have an ISO time "at", a "rule" and a "state" of firing or resolved`);
  if (!isFinite(value) || !isFinite(threshold) || !isCount(record))
    return refuse(`body.value and body.threshold must be finite numbers, body.record a count`);
  return pass({ at, rule, state, value, threshold, record });
};
