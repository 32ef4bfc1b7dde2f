/**
 * The figures: counts, rate, the model's quality over all records and over the window (two columns, from the
 * metric's summary), what the services report, the connection, and the error statistics seen here.
 */
import type blessed from 'blessed';
import type { QualityFigures } from '../../core/quality.js';
import type { SummaryBody } from '../../core/summaryBody.js';
import { clip, formatAge, formatCount, formatValue, labelled } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';
import { createPanelBox, highlightedContent } from './box.js';
import type { DashboardView } from '../viewModel.js';

export interface Figure {
  readonly label: string;
  /** The value; in a two-column row, the all-time one. */
  readonly value: string;
  /** In a two-column row, the window's value. */
  readonly window?: string;
  /** Needs the operator's attention (shown in the alert colour). */
  readonly alert: boolean;
}

const figure = (label: string, value: string, alert = false): Figure => ({ label, value, alert });

/** Cells of each column of a two-column row. */
const COLUMN = 8;

/** A figure of the summary, `–` when there is no summary or no value yet (JSON's null). */
const quality = (x: number | null | undefined, signed = false): string =>
  x === null || x === undefined ? '–' : `${signed && x > 0 ? '+' : ''}${formatValue(x)}`;

/** The quality block: a header, then MAE, RMSE, bias and R² over all records and over the window. */
export function qualityFigures(summary: SummaryBody | undefined): Figure[] {
  const row = (label: string, pick: (q: QualityFigures) => number | null, signed = false): Figure => ({
    label,
    value: quality(summary && pick(summary.all), signed),
    window: quality(summary && pick(summary.window), signed),
    alert: false,
  });
  return [
    { label: 'quality', value: 'all', window: 'window', alert: false },
    row('MAE', (q) => q.mae),
    row('RMSE', (q) => q.rmse),
    row('bias', (q) => q.bias, true),
    row('R²', (q) => q.r2),
  ];
}

/**
 * Every figure, most important first: the first MAIN_FIGURES always fit the smallest panel (80 × 24). Service
 * figures are `–` until a service has reported them, quality figures until the metric's summary has arrived; the
 * metric log counts as the joined count when it is the source.
 */
export function figures(view: DashboardView, options: { countsJoined: boolean }): Figure[] {
  const s = view.services;
  const { stats } = view;
  const joined = s.joined ?? (options.countsJoined ? view.seenTotal : undefined);
  const out: Figure[] = [
    figure('records joined', formatCount(joined)),
    figure('records / s', formatCount(view.rate)),
    ...qualityFigures(view.watch.summary),
    figure('join buffer', formatCount(s.pending)),
    figure('evicted unmatched', formatCount(s.unmatched), (s.unmatched ?? 0) > 0),
    figure('dead-lettered', formatCount(s.deadLettered), (s.deadLettered ?? 0) > 0),
    figure(view.source, view.state, view.state !== 'connected'),
    figure('|error| p50 / p95', `${formatValue(stats.p50)} / ${formatValue(stats.p95)}`),
    figure('max error', formatValue(stats.max)),
  ];
  for (const [code, n] of s.deadByCode) out.push(figure(`  ${code}`, formatCount(n), true));
  if ((s.retried ?? 0) > 0) out.push(figure('retried', formatCount(s.retried)));
  if (view.malformed > 0) out.push(figure('skipped malformed', formatCount(view.malformed), true));
  out.push(figure('seen here', formatCount(view.seenTotal)));
  for (const i of s.instances)
    out.push(
      figure(
        `${i.service} ${i.instance.slice(0, 6)}`,
        `${i.state} ${formatAge(i.ageMs)}`,
        i.state !== 'connected',
      ),
    );
  return out;
}

/** Figures that always fit the smallest panel, and that the plain dashboard prints. */
export const MAIN_FIGURES = 11;

/** One figure as a line exactly `width` wide: the label, then its value, or its two columns, flush right. */
export function figureLine(f: Figure, width: number): string {
  if (f.window === undefined) return labelled(f.label, f.value, width);
  const columns = `${clip(f.value, COLUMN).padStart(COLUMN)}${clip(f.window, COLUMN).padStart(COLUMN)}`;
  return labelled(f.label, columns, width);
}

/** The figures as `height` lines `width` wide (those that do not fit are left out). */
export function figureLines(all: readonly Figure[], width: number, height: number): string[] {
  return all.slice(0, Math.max(0, height)).map((f) => figureLine(f, width));
}

export const createFigures = (rect: Rect, theme: Theme): blessed.Widgets.BoxElement =>
  createPanelBox(rect, theme, ' figures ');

export function renderFigures(
  box: blessed.Widgets.BoxElement,
  all: readonly Figure[],
  rect: Rect,
  theme: Theme,
): void {
  const width = rect.width - 2;
  const lines = figureLines(all, width, rect.height - 2);
  box.setLabel(clip(' figures ', width));
  box.setContent(highlightedContent(lines, (i) => all[i]!.alert, theme));
}
