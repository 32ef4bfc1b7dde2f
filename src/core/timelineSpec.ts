/**
 * The Vega-Lite specification of the error-over-time chart: the window's MAE and bias against the record count,
 * with the alerts' changes marked where they happened. Pure: it is fed the bounded series (see TimelineSeries)
 * and the latest alert changes, so its size does not depend on how many records were seen.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartFrame, formatStatistic, MUTED } from './plotSpec.js';
import type { TimelinePoint } from './timelineSeries.js';

/** An alert change to mark: where it happened (records joined) and which way it went. */
export interface AlertMark {
  readonly record: number;
  readonly state: 'firing' | 'resolved';
  readonly rule: string;
}

export interface TimelineSpecOptions {
  /** Records in the window the figures are computed over (shown in the titles). */
  readonly windowSize: number;
  /** @default 640 */
  readonly width?: number;
  /** @default 360 */
  readonly height?: number;
}

/** Legend entries, in order, with their colours: one shared colour scale makes one legend for lines and marks. */
const SERIES = ['window MAE', 'window bias', 'alert firing', 'alert resolved'] as const;
const COLOURS = ['#4c78a8', '#f58518', '#d62728', '#2ca02c'];
/** Firing rules named on the chart at most: more would overlap into a smudge. */
const MAX_RULE_LABELS = 6;

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A line chart of `points` (window MAE and bias, x = records joined), a grey line at zero bias, and a vertical
 * rule per alert change: red where an alert started firing (the latest few labelled with their rule), green
 * where it resolved. Marks after the last point are left out: they belong to a log this plot has not read yet,
 * or to an older run.
 *
 * @example
 * ```ts
 * const spec = errorTimelineSpec(series.points(), [{ record: 420, state: 'firing', rule: 'psi.bmi > 0.2' }], {
 *   windowSize: 1000,
 * });
 * const png = await renderPng(spec);
 * ```
 */
export function errorTimelineSpec(
  points: readonly TimelinePoint[],
  alerts: readonly AlertMark[],
  options: TimelineSpecOptions,
): TopLevelSpec {
  const { windowSize, width = 640, height = 360 } = options;
  const f = formatStatistic;
  const last = points[points.length - 1];
  const marks = last === undefined ? [] : alerts.filter((a) => a.record <= last.record);
  const firing = marks.filter((a) => a.state === 'firing').slice(-MAX_RULE_LABELS);
  const heading =
    last === undefined
      ? 'Window MAE and bias: no records yet'
      : `Window MAE ${f(last.mae)} · bias ${f(last.bias)} after ${grouped.format(last.record)} records`;
  const subtitle =
    last === undefined
      ? 'waiting for rows in the metric log'
      : `over the last ${grouped.format(windowSize)} records · ${marks.length} alert change${marks.length === 1 ? '' : 's'} marked`;
  const values = points.flatMap((p) => [
    { record: p.record, value: p.mae, series: SERIES[0] },
    { record: p.record, value: p.bias, series: SERIES[1] },
  ]);
  const colour = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [...SERIES], range: COLOURS },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelFontSize: 11 },
  };
  const x = {
    field: 'record',
    type: 'quantitative' as const,
    title: 'records joined',
    // An empty chart still needs a range; otherwise it spans the run from its start.
    scale: last === undefined ? { domain: [0, 100] } : { domainMin: 0, nice: true },
    axis: { format: ',d', tickMinStep: 1, grid: false },
  };

  return {
    ...chartFrame({ width, height }, { text: heading, subtitle, offset: 10 }),
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: MUTED, strokeWidth: 1, opacity: 0.6 },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
      {
        data: { values: marks.map((a) => ({ record: a.record, series: `alert ${a.state}`, rule: a.rule })) },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x, color: colour },
      },
      {
        data: { values: firing.map((a) => ({ record: a.record, rule: a.rule })) },
        mark: {
          type: 'text',
          color: COLOURS[2],
          angle: 270,
          align: 'right',
          baseline: 'bottom',
          dx: -4,
          dy: -3,
          y: 0,
          fontSize: 10,
        },
        encoding: { x, text: { field: 'rule', type: 'nominal' } },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.8, interpolate: 'linear' },
        encoding: {
          x,
          y: {
            field: 'value',
            type: 'quantitative',
            title: 'MAE, bias (y_pred − y_true)',
            scale: last === undefined ? { domain: [0, 1] } : { zero: true },
          },
          color: colour,
        },
      },
    ],
  };
}
