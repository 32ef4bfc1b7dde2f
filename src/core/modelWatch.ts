/**
 * The state of watching a model at work: quality of the joined records, drift merged from the model replicas, and
 * the alerts on both. Pure: the caller feeds it records and drift bodies and passes the time; files, topics and
 * timers are `watchModel`'s.
 */
import { AlertEvaluator, type FiringAlert } from './alertEvaluator.js';
import { firingAtEnd } from './alertLogState.js';
import type { AlertRule } from './alertRule.js';
import type { DriftBody } from './driftBody.js';
import { DriftAlignment, type HeardDrift } from './driftAlignment.js';
import { DRIFT_SOURCE_TTL_MS, DriftMerge, type DriftMergeOptions, type MergedDrift } from './driftMerge.js';
import type { QualityFigures, QualitySnapshot } from './quality.js';
import { QualityStats } from './qualityStats.js';
import type { ReferenceProfile } from './referenceProfile.js';
import type { AlertEventBody, DriftSummary, SummaryBody } from './summaryBody.js';

/**
 * The rules are due after every this many joined records (`watchModel` also paces these in time), and on each
 * drift message and summary.
 */
export const EVALUATE_EVERY_RECORDS = 100;

export interface ModelWatchOptions {
  /** Records in the quality window. @default DEFAULT_WINDOW_SIZE */
  readonly windowSize?: number;
  /** The model file's reference profile; without it drift is off and `driftOffReason` says why. */
  readonly reference?: ReferenceProfile | undefined;
  /** Why drift is off when there is no reference, for the summary. @default 'no reference profile' */
  readonly driftOffReason?: string;
  /** Parsed alert rules (see `defaultAlertRules`). */
  readonly rules: readonly AlertRule[];
  readonly drift?: DriftMergeOptions;
  /** Metric partitions sharing the records, for holding drift bodies back until their records are joined. */
  readonly partitions?: number;
  /** Longest a drift body is held back, in ms. @default DRIFT_ALIGN_MAX_WAIT_MS */
  readonly driftMaxWaitMs?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Quality, drift and alerts of one metric process.
 *
 * @example
 * ```ts
 * const watch = new ModelWatch({ reference, rules: defaultAlertRules(true) });
 * watch.record(151, 140.5);
 * watch.drift(body, Date.now()); // undefined, or why the body was refused
 * watch.evaluate(Date.now()); // the alerts that changed, as AlertEventBody
 * watch.summary(Date.now()); // the SummaryBody of metric_summary.json
 * ```
 * @throws AlertRuleError from the constructor when a rule needs what the reference lacks.
 */
export class ModelWatch {
  readonly #quality: QualityStats;
  readonly #drift: DriftMerge | undefined;
  readonly #alignment: DriftAlignment;
  readonly #driftOffReason: string;
  readonly #alerts: AlertEvaluator;
  /** Whether a rule reads a percentile: only then does an evaluation pay for them (sorting the window). */
  readonly #rulesNeedOrderStatistics: boolean;
  #malformedDrift = 0;

  constructor(options: ModelWatchOptions) {
    this.#quality = new QualityStats(
      options.windowSize === undefined ? {} : { windowSize: options.windowSize },
    );
    this.#alerts = new AlertEvaluator(options.rules, options.reference);
    this.#rulesNeedOrderStatistics = options.rules.some((r) => /\.(p\d+|max)$/.test(r.figure));
    this.#drift = options.reference && new DriftMerge(options.reference, options.drift);
    this.#alignment = new DriftAlignment({
      forgetMs: options.drift?.staleMs ?? DRIFT_SOURCE_TTL_MS,
      ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      ...(options.driftMaxWaitMs === undefined ? {} : { maxWaitMs: options.driftMaxWaitMs }),
    });
    this.#driftOffReason = options.driftOffReason ?? 'no reference profile';
  }

  /** Whether drift bodies are used (the model file has a reference). */
  get driftEnabled(): boolean {
    return this.#drift !== undefined;
  }

  /** Records joined so far. */
  get records(): number {
    return this.#quality.count;
  }

  /** Drift bodies refused so far because they did not fit the reference (or failed their check upstream). */
  get malformedDrift(): number {
    return this.#malformedDrift;
  }

  /** The names of the alerts the rules make. */
  get alertNames(): readonly string[] {
    return this.#alerts.alerts;
  }

  /**
   * Adds one joined record; returns true when the rules are due for evaluation (every `EVALUATE_EVERY_RECORDS`).
   * Non-finite values throw a `RangeError` and add nothing (the metric service never joins them).
   */
  record(yTrue: number, yPred: number): boolean {
    this.#quality.add(yTrue, yPred);
    return this.#quality.count % EVALUATE_EVERY_RECORDS === 0;
  }

  /**
   * Takes a replica's drift body heard at `nowMs`; returns why it was refused (and counts it), else undefined. A
   * taken body counts from the first evaluation or summary at which the records it describes are joined (see
   * `DriftAlignment`).
   */
  drift(body: DriftBody, nowMs: number): string | undefined {
    if (this.#drift === undefined) return undefined;
    const problem = this.#drift.check(body);
    if (problem !== undefined) {
      this.#malformedDrift++;
      return problem;
    }
    this.#apply(this.#alignment.hold(body, nowMs));
    return undefined;
  }

  /** Counts every drift body held back, as for a last summary once no more records will come. */
  settleDrift(): void {
    this.#apply(this.#alignment.releaseAll());
  }

  /** Counts a drift message that could not even be decoded. */
  malformed(): void {
    this.#malformedDrift++;
  }

  /**
   * Takes up the alerts an earlier run's alert log leaves firing (see `firingAtEnd`); returns their names. Call it
   * before the first evaluation.
   */
  restoreAlerts(events: readonly AlertEventBody[]): string[] {
    return this.#alerts.restore(firingAtEnd(events));
  }

  /** Evaluates the rules at `nowMs`; returns each alert that started or stopped firing. */
  evaluate(nowMs: number): AlertEventBody[] {
    const quality = this.#quality.snapshot({ orderStatistics: this.#rulesNeedOrderStatistics });
    const figures = this.#figures(quality, this.#merged(nowMs));
    const record = this.#quality.count;
    return this.#alerts.evaluate(figures, nowMs).map((t) => ({
      at: iso(t.at),
      rule: t.rule,
      state: t.state,
      value: t.value,
      threshold: t.threshold,
      record,
    }));
  }

  /** The summary document at `nowMs`: quality, drift and the alerts firing now. */
  summary(nowMs: number): SummaryBody {
    const merged = this.#merged(nowMs);
    const drift: DriftSummary =
      merged === undefined
        ? { enabled: false, reason: this.#driftOffReason, n: 0, sources: 0, psi: {} }
        : { enabled: true, ...merged };
    return {
      updated: iso(nowMs),
      ...this.#quality.snapshot(),
      drift,
      alerts: this.firing(),
    };
  }

  /** The alerts firing now, as the summary lists them. */
  firing(): SummaryBody['alerts'] {
    return this.#alerts.firing().map((a: FiringAlert) => ({
      rule: a.rule,
      value: a.value,
      threshold: a.threshold,
      since: iso(a.since),
    }));
  }

  #merged(nowMs: number): MergedDrift | undefined {
    if (this.#drift === undefined) return undefined;
    this.#apply(this.#alignment.release(this.#quality.count, nowMs));
    return this.#drift.merged(nowMs);
  }

  #apply(due: readonly HeardDrift[]): void {
    for (const { body, at } of due) this.#drift?.add(body, at);
  }

  /** The figures by alert name: `window.mae`, `all.r2`, `psi.bmi`. */
  #figures(q: QualitySnapshot, drift: MergedDrift | undefined): (name: string) => number | null | undefined {
    return (name) => {
      const dot = name.indexOf('.');
      const scope = name.slice(0, dot);
      const key = name.slice(dot + 1);
      if (scope === 'psi') return drift && Object.hasOwn(drift.psi, key) ? drift.psi[key] : undefined;
      const figures: QualityFigures | undefined =
        scope === 'window' ? q.window : scope === 'all' ? q.all : undefined;
      return figures?.[key as keyof QualityFigures];
    };
  }
}
