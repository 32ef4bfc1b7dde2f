/**
 * What the dashboard knows of the model at work, from the metric: its latest summary (quality, drift, the alerts
 * firing) and the alert changes announced between two summaries. Pure. Memory is flat: the summary is replaced,
 * never accumulated, and the firing alerts are at most MAX_FIRING.
 */
import type { AlertEventBody, FiringAlertBody, SummaryBody } from '../core/summaryBody.js';

/** Firing alerts kept at most: more than a banner can name, fewer than a faulty publisher could send. */
export const MAX_FIRING = 100;

export interface ModelWatchView {
  /** The latest summary; `undefined` before the first, or when its file is gone. */
  readonly summary: SummaryBody | undefined;
  /** The alerts firing now, oldest first. */
  readonly firing: readonly FiringAlertBody[];
}

/**
 * @example
 * ```ts
 * const watch = new ModelWatch();
 * watch.alert({ at, rule: 'psi.bmi > 0.2', state: 'firing', value: 0.31, threshold: 0.2, record: 420 });
 * watch.view().firing.map((a) => a.rule); // ['psi.bmi > 0.2']
 * ```
 */
export class ModelWatch {
  private summary: SummaryBody | undefined;
  private readonly firing = new Map<string, FiringAlertBody>();

  /** Takes `summary` as the whole truth: its alerts replace those announced since the previous one. */
  setSummary(summary: SummaryBody | undefined): void {
    this.summary = summary;
    this.firing.clear();
    for (const a of (summary?.alerts ?? []).slice(0, MAX_FIRING)) this.firing.set(a.rule, a);
  }

  /** An alert started or stopped firing: shown at once, without waiting for the next summary. */
  alert(event: AlertEventBody): void {
    if (event.state === 'resolved') {
      this.firing.delete(event.rule);
      return;
    }
    if (!this.firing.has(event.rule) && this.firing.size >= MAX_FIRING) return;
    this.firing.set(event.rule, {
      rule: event.rule,
      value: event.value,
      threshold: event.threshold,
      since: event.at,
    });
  }

  view(): ModelWatchView {
    return { summary: this.summary, firing: [...this.firing.values()] };
  }
}
