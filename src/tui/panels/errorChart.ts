/** The line chart of the latest absolute errors and their rolling MAE. */
import contrib from 'blessed-contrib';
import type { Rect } from '../layout.js';
import { clip, firstFitting, formatValue } from '../format.js';
import type { Theme } from '../theme.js';
import type { ErrorWindow } from '../viewModel.js';

export interface ErrorChartData {
  readonly label: string;
  /** Top of the y axis: a round number above every point, never 0. */
  readonly maxY: number;
  readonly labels: readonly string[];
  readonly errors: readonly number[];
  readonly mae: readonly number[];
}

/** The smallest 1, 2 or 5 × 10^k at or above `x` (1 for nothing to show). */
export function niceCeiling(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/** Braille dots across a chart `width` cells wide (what blessed-contrib's line chart draws in). */
export const chartPoints = (width: number): number => Math.max(2, width * 2 - 12);

/**
 * The chart's series for `window`, at most `maxPoints` points each: beyond that, each point stands for a run of
 * records, the largest error of the run (a spike must not vanish) and the MAE at its end. Fewer than two
 * records draw a flat line at 0 and say they are waiting.
 */
export function errorChartData(window: ErrorWindow, maxPoints: number, width: number): ErrorChartData {
  const n = window.errors.length;
  if (n < 2)
    return {
      label: clip(' |error| and rolling MAE · waiting for records ', width - 2),
      maxY: 1,
      labels: ['', ''],
      errors: [0, 0],
      mae: [0, 0],
    };
  const step = Math.max(1, Math.ceil(n / Math.max(2, maxPoints)));
  const labels: string[] = [];
  const errors: number[] = [];
  const maes: number[] = [];
  let top = 0;
  for (let start = 0; start < n; start += step) {
    const end = Math.min(n, start + step);
    let peak = 0;
    for (let i = start; i < end; i++) peak = Math.max(peak, window.errors[i]!);
    errors.push(peak);
    maes.push(window.mae[end - 1]!);
    labels.push(String(window.firstSeq + end - 1));
    top = Math.max(top, peak);
  }
  const mae = formatValue(window.mae[n - 1]!);
  return {
    label: firstFitting(
      [
        ` |error| and rolling MAE ${mae} · last ${n} of ${window.capacity} records `,
        ` |error| and rolling MAE ${mae} · last ${n} `,
        ` |error| · MAE ${mae} `,
      ],
      width - 2,
    ),
    maxY: niceCeiling(top * 1.1),
    labels,
    errors,
    mae: maes,
  };
}

/** The chart widget, placed at `rect`. */
export function createErrorChart(rect: Rect, theme: Theme): contrib.LineElement {
  return contrib.line({
    ...rect,
    label: ' |error| ',
    border: { type: 'line' },
    style: {
      line: theme.errorsLine,
      text: theme.chartText,
      baseline: theme.chartText,
      ...(theme.border ? { border: { fg: theme.border } } : {}),
    },
    showLegend: false,
    numYLabels: 4,
    xPadding: 3,
    xLabelPadding: 3,
  });
}

export function renderErrorChart(chart: contrib.LineElement, data: ErrorChartData, theme: Theme): void {
  chart.setLabel(data.label);
  chart.options.maxY = data.maxY;
  chart.setData([
    { title: '|error|', x: data.labels, y: data.errors, style: { line: theme.errorsLine } },
    { title: 'MAE', x: data.labels, y: data.mae, style: { line: theme.maeLine } },
  ]);
}
