/**
 * The error-over-time chart of the plot service (`logs/error_over_time.png`): the window's MAE and bias against
 * the record count, computed here from the rows the plotter reads (`WindowErrorMeans`), with the alert log's
 * changes marked. Memory is flat: the window's errors, at most `maxPoints` points and the latest MAX_ALERT_MARKS
 * alert changes.
 */
import type { MetricRecord } from '../core/metricsBody.js';
import { DEFAULT_WINDOW_SIZE } from '../core/quality.js';
import { DEFAULT_TIMELINE_POINTS, TimelineSeries, type TimelinePoint } from '../core/timelineSeries.js';
import { WindowErrorMeans } from '../core/windowErrorMeans.js';
import { errorTimelineSpec, type AlertMark } from '../core/timelineSpec.js';
import { createAlertLogReader, type AlertLogChunk } from '../files/alertLogReader.js';
import { renderPng } from '../files/renderPng.js';
import { writeFileAtomic } from '../files/writeFileAtomic.js';

/** Alert changes kept for the chart: the latest ones, as older ones would crowd the start of a long run. */
export const MAX_ALERT_MARKS = 200;

/** What an absent alert log reads as. */
const NO_ALERTS: AlertLogChunk = { events: [], malformedLines: 0, restarted: false };

export interface TimelineOptions {
  /** Where the PNG is written, atomically. Its directory must exist. */
  readonly file: string;
  /** The alert log to mark (`logs/alerts.jsonl`); need not exist; none: no marks. */
  readonly alertsFile?: string;
  /** Records in the window. @default DEFAULT_WINDOW_SIZE */
  readonly windowSize?: number;
  /** Points kept at most. @default DEFAULT_TIMELINE_POINTS */
  readonly maxPoints?: number;
}

export interface Timeline {
  /** Folds one row of the log in; throws a `RangeError` (adding nothing) for values that cannot be counted. */
  add(record: MetricRecord): void;
  /** Forgets every row (the log started over); the next `render` redraws. */
  reset(): void;
  /** Reads the alert log and rewrites the PNG if anything changed since the last render; says whether it did. */
  render(): Promise<{ rendered: boolean; malformedAlerts: number }>;
  /** The chart's points as the next render draws them. */
  points(): readonly TimelinePoint[];
}

/** Throws a `RangeError` for a window size or point count no timeline can work with. */
export function createTimeline(options: TimelineOptions): Timeline {
  const { file, windowSize = DEFAULT_WINDOW_SIZE, maxPoints = DEFAULT_TIMELINE_POINTS } = options;
  const alerts = options.alertsFile === undefined ? undefined : createAlertLogReader(options.alertsFile);
  let stats = new WindowErrorMeans(windowSize);
  const series = new TimelineSeries(maxPoints);
  let marks: AlertMark[] = [];
  // Like the histogram, nothing is drawn before there is something to show.
  let dirty = false;

  const pointNow = (): TimelinePoint | undefined => {
    const n = stats.count;
    return n === 0 ? undefined : { record: n, mae: stats.mae, bias: stats.bias };
  };
  const points = (): readonly TimelinePoint[] => {
    const kept = series.points();
    const now = pointNow();
    // The latest figures end the line, so the chart reaches the latest record between two kept points.
    return now === undefined || kept.at(-1)?.record === now.record ? kept : [...kept, now];
  };

  return {
    add: (record) => {
      stats.add(record.y_true, record.y_pred);
      if (series.wants(stats.count)) series.add(pointNow()!);
      dirty = true;
    },
    reset: () => {
      stats = new WindowErrorMeans(windowSize);
      series.reset();
      dirty = true;
    },
    render: async () => {
      const chunk = (await alerts?.read()) ?? NO_ALERTS;
      if (chunk.restarted) marks = [];
      for (const e of chunk.events) marks.push({ record: e.record, state: e.state, rule: e.rule });
      if (chunk.events.length > 0 || chunk.restarted) {
        marks = marks.slice(-MAX_ALERT_MARKS);
        dirty = true;
      }
      if (!dirty) return { rendered: false, malformedAlerts: chunk.malformedLines };
      const png = await renderPng(errorTimelineSpec(points(), marks, { windowSize }));
      await writeFileAtomic(file, png);
      dirty = false;
      return { rendered: true, malformedAlerts: chunk.malformedLines };
    },
    points,
  };
}
