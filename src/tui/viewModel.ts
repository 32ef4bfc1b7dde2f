/**
 * Everything the dashboard shows, folded from the records of the `metrics` topic (or the metric log), the
 * `status` messages of the services and the connection state. Pure: no I/O and no clock (every event carries
 * its time), so a test replays a stream of events and checks the figures.
 *
 * Memory is fixed: the chart window and the table are rings, the histogram has a fixed number of bins, the
 * statistics are running sums and a bounded sketch, the status map holds one entry per live instance.
 */
import type { MetricRecord } from '../core/metricsBody.js';
import { DEFAULT_BINS, ErrorHistogram, type HistogramSnapshot } from '../core/histogram.js';
import { RunningStats, type StatsSnapshot } from '../core/stats.js';
import type { ConnectionState } from '../core/transport.js';
import { RateMeter } from './rateMeter.js';
import { Ring } from './ring.js';
import type { StatusBody } from '../core/statusBody.js';
import { summariseServices, type ServicesSummary } from './serviceStatus.js';
import type { AlertEventBody, SummaryBody } from '../core/summaryBody.js';
import { ModelWatch, type ModelWatchView } from './modelWatch.js';

/** Records in the chart window when not configured. */
export const DEFAULT_WINDOW = 300;
/** Latest records kept for the table: more than the tallest table shows. */
export const DEFAULT_TABLE_ROWS = 64;
/** A service instance not heard from for this long is dropped from the figures (it stopped or was cut off). */
export const DEFAULT_STATUS_TTL_MS = 10_000;
/** Largest chart window accepted: beyond it the chart is unreadable and a redraw costs too much. */
export const MAX_WINDOW = 100_000;

export interface ViewModelOptions {
  /** What the records come from, as shown: `memory`, `amqp`, `nats`, `csv logs/metric_log.csv`. */
  readonly source: string;
  /** @default DEFAULT_WINDOW */
  readonly window?: number;
  /** @default DEFAULT_BINS */
  readonly bins?: number;
  /** @default DEFAULT_TABLE_ROWS */
  readonly tableRows?: number;
  /** @default DEFAULT_STATUS_TTL_MS */
  readonly statusTtlMs?: number;
}

/** What the dashboard folds: everything a feed emits. Times are passed alongside (see `apply`). */
export type DashboardEvent =
  /** `backlog`: a record that was already there when the feed started (rows in the log): not part of the rate. */
  | { readonly kind: 'record'; readonly record: MetricRecord; readonly backlog?: boolean }
  | { readonly kind: 'status'; readonly status: StatusBody }
  | { readonly kind: 'state'; readonly state: ConnectionState }
  /** Messages or rows that could not be read (`count` of them; 0 for a problem that skipped none), and why. */
  | { readonly kind: 'malformed'; readonly reason: string; readonly count: number }
  /** The source started over (the metric log was truncated or replaced): forget what was shown. */
  | { readonly kind: 'restart' }
  /** The metric's latest summary; `undefined`: there is none (its file is missing). */
  | { readonly kind: 'summary'; readonly summary: SummaryBody | undefined }
  /** An alert started or stopped firing. */
  | { readonly kind: 'alert'; readonly alert: AlertEventBody };

/** The chart window: the latest absolute errors and the rolling MAE after each of them, oldest first. */
export interface ErrorWindow {
  readonly errors: readonly number[];
  /** `mae[i]`: the mean of the (at most `capacity`) errors up to and including `errors[i]`. */
  readonly mae: readonly number[];
  /** Sequence number (1 = first record since the reset) of `errors[0]`. */
  readonly firstSeq: number;
  readonly capacity: number;
}

export interface DashboardView {
  readonly source: string;
  readonly state: ConnectionState;
  /** Records received since the last reset, and since the start. */
  readonly seen: number;
  readonly seenTotal: number;
  /** Messages that were not valid metric records (skipped), and the last reason. */
  readonly malformed: number;
  readonly lastProblem: string | undefined;
  /** Records per second arriving now. */
  readonly rate: number;
  /** Over every record since the reset. */
  readonly stats: StatsSnapshot;
  /** Over every record since the reset, binned as the PNG is. */
  readonly histogram: HistogramSnapshot;
  readonly window: ErrorWindow;
  /** The latest records, newest first. */
  readonly latest: readonly MetricRecord[];
  readonly services: ServicesSummary;
  /** When the figures were last reset (or started). */
  readonly since: number;
  /** The metric's summary and the alerts firing: the metric's figures, which a reset does not forget. */
  readonly watch: ModelWatchView;
}

/**
 * @example
 * ```ts
 * const model = new DashboardModel({ source: 'memory', window: 300 });
 * model.addRecord({ id: 'a-1', y_true: 151, y_pred: 170.2, absolute_error: 19.2 }, Date.now());
 * model.view(Date.now()).stats.mae; // 19.2
 * ```
 */
export class DashboardModel {
  readonly source: string;
  private readonly statusTtlMs: number;
  private readonly errors: Ring<number>;
  private readonly mae: Ring<number>;
  private readonly latest: Ring<MetricRecord>;
  private readonly histogram: ErrorHistogram;
  private readonly stats = new RunningStats();
  private readonly rate = new RateMeter();
  private readonly statuses = new Map<string, { status: StatusBody; at: number }>();
  private readonly watch = new ModelWatch();
  private state: ConnectionState = 'connecting';
  private windowSum = 0;
  private pushesSinceExactSum = 0;
  private seen = 0;
  private seenTotal = 0;
  private malformed = 0;
  private lastProblem: string | undefined;
  private since: number;

  /** Throws a `RangeError` for a window outside [2, MAX_WINDOW] or bad bins / table rows. */
  constructor(options: ViewModelOptions, startedAt = 0) {
    const window = options.window ?? DEFAULT_WINDOW;
    if (!Number.isSafeInteger(window) || window < 2 || window > MAX_WINDOW)
      throw new RangeError(`window must be an integer from 2 to ${MAX_WINDOW}, got ${window}`);
    this.source = options.source;
    this.statusTtlMs = options.statusTtlMs ?? DEFAULT_STATUS_TTL_MS;
    this.errors = new Ring(window);
    this.mae = new Ring(window);
    this.latest = new Ring(options.tableRows ?? DEFAULT_TABLE_ROWS);
    this.histogram = new ErrorHistogram(options.bins ?? DEFAULT_BINS);
    this.since = startedAt;
  }

  /** Folds `event`, which arrived at `at` (milliseconds). */
  apply(event: DashboardEvent, at: number): void {
    switch (event.kind) {
      case 'record':
        return this.addRecord(event.record, at, event.backlog);
      case 'status':
        return this.addStatus(event.status, at);
      case 'state':
        return this.setState(event.state);
      case 'malformed':
        return this.addMalformed(event.reason, event.count);
      case 'restart':
        return this.reset(at);
      case 'summary':
        return this.watch.setSummary(event.summary);
      case 'alert':
        return this.watch.alert(event.alert);
    }
  }

  /**
   * Folds one record in; a record whose error cannot be counted (negative, non-finite, huge) is malformed. A
   * `backlog` record counts everywhere but in the rate.
   */
  addRecord(record: MetricRecord, at: number, backlog = false): void {
    const e = record.absolute_error;
    try {
      // First, because it is the one that can refuse a value: then nothing else has counted it.
      this.histogram.add(e);
    } catch (error) {
      this.addMalformed(`record ${String(record.id)}: ${(error as Error).message}`);
      return;
    }
    this.stats.add(e);
    if (!backlog) this.rate.add(at);
    this.latest.push(record);
    this.seen++;
    this.seenTotal++;
    const evicted = this.errors.push(e);
    this.windowSum += e - (evicted ?? 0);
    // Adding and subtracting drifts; an exact sum every `capacity` records keeps the drift bounded, in O(1) amortised.
    if (++this.pushesSinceExactSum >= this.errors.capacity) {
      this.windowSum = this.errors.toArray().reduce((a, b) => a + b, 0);
      this.pushesSinceExactSum = 0;
    }
    this.mae.push(this.windowSum / this.errors.length);
  }

  addStatus(status: StatusBody, at: number): void {
    const key = `${status.service}\u0000${status.instance}`;
    this.statuses.set(key, { status, at });
    // Keeps the map as small as the live instances, even if instances come and go for weeks.
    for (const [k, v] of this.statuses) if (at - v.at > this.statusTtlMs) this.statuses.delete(k);
  }

  setState(state: ConnectionState): void {
    this.state = state;
  }

  /** Counts `count` messages that could not be read (0: a problem to show that skipped no message). */
  addMalformed(reason: string, count = 1): void {
    this.malformed += count;
    this.lastProblem = reason;
  }

  /** Forgets the window, the histogram, the statistics and the rate (the services' own figures are kept). */
  reset(at: number): void {
    this.errors.clear();
    this.mae.clear();
    this.latest.clear();
    this.histogram.reset();
    this.stats.reset();
    this.rate.reset();
    this.windowSum = 0;
    this.pushesSinceExactSum = 0;
    this.seen = 0;
    this.since = at;
  }

  view(now: number): DashboardView {
    const errors = this.errors.toArray();
    return {
      source: this.source,
      state: this.state,
      seen: this.seen,
      seenTotal: this.seenTotal,
      malformed: this.malformed,
      lastProblem: this.lastProblem,
      rate: this.rate.rate(now),
      stats: this.stats.snapshot(),
      histogram: this.histogram.snapshot(),
      window: {
        errors,
        mae: this.mae.toArray(),
        firstSeq: this.seen - errors.length + 1,
        capacity: this.errors.capacity,
      },
      latest: this.latest.newest(this.latest.capacity),
      services: summariseServices(this.statuses.values(), now, this.statusTtlMs),
      since: this.since,
      watch: this.watch.view(),
    };
  }
}
