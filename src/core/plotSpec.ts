/**
 * The Vega-Lite specification of the error histogram chart. Pure: it is fed the pre-aggregated bins and summary
 * statistics only, never raw rows, so its size does not depend on how many records were seen.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { HistogramSnapshot } from './histogram.js';
import type { StatsSnapshot } from './stats.js';

/** The font every text element uses; `renderPng` ships it, so the PNG looks the same on every machine. */
export const PLOT_FONT = 'DejaVu Sans';

export interface PlotSpecOptions {
  /**
   * Width of the whole image in pixels, axes and titles included.
   * @default 640
   */
  readonly width?: number;
  /**
   * Height of the whole image in pixels, axes and titles included.
   * @default 360
   */
  readonly height?: number;
  /**
   * Leading words of the title, before the statistics.
   * @default 'Absolute error'
   */
  readonly title?: string;
}

const BAR = '#4c78a8';
const MAE_COLOUR = '#333333';
const P95_COLOUR = '#d62728';
export const INK = '#222222';
export const MUTED = '#555555';

/** Fonts, colours and sizes shared by every chart the plot draws, so the PNGs look alike. */
export const PLOT_CONFIG: NonNullable<TopLevelSpec['config']> = {
  font: PLOT_FONT,
  view: { stroke: null },
  title: {
    font: PLOT_FONT,
    subtitleFont: PLOT_FONT,
    fontSize: 15,
    subtitleFontSize: 12,
    color: INK,
    subtitleColor: MUTED,
  },
  axis: {
    labelFont: PLOT_FONT,
    titleFont: PLOT_FONT,
    labelFontSize: 11,
    titleFontSize: 12,
    labelColor: MUTED,
    titleColor: INK,
    titleFontWeight: 'normal',
    gridColor: '#e6e6e6',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  legend: { labelFont: PLOT_FONT, titleFont: PLOT_FONT },
  header: { labelFont: PLOT_FONT, titleFont: PLOT_FONT },
  text: { font: PLOT_FONT },
};

/**
 * What every chart's top level shares: the schema, the image size (axes and titles included), padding, a white
 * background and a title over a subtitle, flush left, `offset` pixels above the plot.
 */
export function chartFrame(
  size: { width: number; height: number },
  title: { text: string; subtitle: string; offset: number },
) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    autosize: { type: 'fit' as const, contains: 'padding' as const },
    padding: { left: 12, right: 20, top: 12, bottom: 10 },
    background: 'white',
    title: { ...title, anchor: 'start' as const },
    config: PLOT_CONFIG,
  };
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** A statistic for a human: 4 significant digits, exponent form for tiny values, `–` for "none". */
export function formatStatistic(x: number): string {
  if (Number.isNaN(x)) return '–';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return significant.format(x);
}

/** Tick values on bin edges (about ten of them), so the axis shows where bars start and end. */
function edgeTicks(h: HistogramSnapshot): number[] {
  const n = h.bins.length;
  const step = Math.max(1, Math.ceil(n / 10));
  const ticks: number[] = [];
  for (let i = 0; i <= n; i += step) ticks.push(i * h.binWidth);
  return ticks;
}

/**
 * A bar chart of `histogram` (x from bin start to end, y the count) titled with n, MAE and RMSE, subtitled with
 * p50, p95, max and the bin width, with dashed markers at the MAE and p95.
 *
 * @example
 * ```ts
 * const spec = errorHistogramSpec(histogram.snapshot(), stats.snapshot());
 * const png = await renderPng(spec);
 * ```
 */
export function errorHistogramSpec(
  histogram: HistogramSnapshot,
  stats: StatsSnapshot,
  options: PlotSpecOptions = {},
): TopLevelSpec {
  const { width = 640, height = 360, title = 'Absolute error' } = options;
  const f = formatStatistic;
  const top = histogram.bins.length * histogram.binWidth;
  const maxCount = histogram.bins.reduce((m, b) => Math.max(m, b.count), 0);
  const empty = stats.count === 0;
  const heading = empty
    ? `${title}: no records yet`
    : `${title}: n = ${grouped.format(stats.count)} · MAE ${f(stats.mae)} · RMSE ${f(stats.rmse)}`;
  const subtitle = empty
    ? 'waiting for rows in the metric log'
    : `p50 ${f(stats.p50)} · p95 ${f(stats.p95)} · max ${f(stats.max)} · bins of ${f(histogram.binWidth)}`;
  // Labels sit above the plot, right of their line, one row each, so they never overlap each other or the bars.
  const markers = empty
    ? []
    : [
        { label: `MAE ${f(stats.mae)}`, value: stats.mae, colour: MAE_COLOUR, y: -17 },
        { label: `p95 ${f(stats.p95)}`, value: stats.p95, colour: P95_COLOUR, y: -4 },
      ];

  return {
    ...chartFrame({ width, height }, { text: heading, subtitle, offset: 26 }),
    layer: [
      {
        data: { values: histogram.bins.map((b) => ({ start: b.start, end: b.end, count: b.count })) },
        mark: { type: 'bar', color: BAR, stroke: 'white', strokeWidth: 1 },
        encoding: {
          x: {
            field: 'start',
            type: 'quantitative',
            title: 'absolute error',
            scale: { domain: [0, top], nice: false, zero: true },
            // An explicit precision: Vega would otherwise round the labels to the tick spacing (1.3e+2 for 128).
            axis: { values: edgeTicks(histogram), format: '.6~g', grid: false },
          },
          x2: { field: 'end' },
          y2: { datum: 0 },
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'records',
            // An empty chart still needs a y range; counts are whole numbers, so ticks must be too.
            scale: { domain: [0, Math.max(1, maxCount)], nice: true },
            axis: { tickMinStep: 1, format: ',d' },
          },
        },
      },
      ...markers.flatMap(({ label, value, colour, y }) => [
        {
          data: { values: [{ value }] },
          mark: { type: 'rule' as const, color: colour, strokeDash: [5, 3], strokeWidth: 1.5, y },
          encoding: { x: { field: 'value', type: 'quantitative' as const } },
        },
        {
          data: { values: [{ value, label }] },
          mark: {
            type: 'text' as const,
            color: colour,
            align: 'left' as const,
            dx: 4,
            y,
            baseline: 'middle' as const,
            fontSize: 11,
          },
          encoding: {
            x: { field: 'value', type: 'quantitative' as const },
            text: { field: 'label', type: 'nominal' as const },
          },
        },
      ]),
    ],
  };
}
