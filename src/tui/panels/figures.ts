/** The figures: counts, rate, error statistics, what the services report, and the connection. */
import blessed from 'blessed';
import { clip, formatAge, formatCount, formatValue, labelled } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';
import type { DashboardView } from '../viewModel.js';

export interface Figure {
  readonly label: string;
  readonly value: string;
  /** Needs the operator's attention (shown in the alert colour). */
  readonly alert: boolean;
}

const figure = (label: string, value: string, alert = false): Figure => ({ label, value, alert });

/**
 * Every figure, most important first: the first ten always fit the smallest panel (80 × 24). Service figures are
 * `–` until a service has reported them; the metric log counts as the joined count when it is the source.
 */
export function figures(view: DashboardView, options: { countsJoined: boolean }): Figure[] {
  const s = view.services;
  const { stats } = view;
  const joined = s.joined ?? (options.countsJoined ? view.seenTotal : undefined);
  const out: Figure[] = [
    figure('records joined', formatCount(joined)),
    figure('records / s', formatCount(view.rate)),
    figure('MAE', formatValue(stats.mae)),
    figure('RMSE', formatValue(stats.rmse)),
    figure('p50 / p95', `${formatValue(stats.p50)} / ${formatValue(stats.p95)}`),
    figure('max error', formatValue(stats.max)),
    figure('join buffer', formatCount(s.pending)),
    figure('evicted unmatched', formatCount(s.unmatched), (s.unmatched ?? 0) > 0),
    figure('dead-lettered', formatCount(s.deadLettered), (s.deadLettered ?? 0) > 0),
    figure(view.source, view.state, view.state !== 'connected'),
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

/** The figures as `height` lines `width` wide (those that do not fit are left out). */
export function figureLines(all: readonly Figure[], width: number, height: number): string[] {
  return all.slice(0, Math.max(0, height)).map((f) => labelled(f.label, f.value, width));
}

export function createFigures(rect: Rect, theme: Theme): blessed.Widgets.BoxElement {
  return blessed.box({
    ...rect,
    label: ' figures ',
    border: { type: 'line' },
    tags: theme.colour,
    // Lines are cut to the width already; blessed would wrap a full-width line that ends with a colour tag.
    wrap: false,
    ...(theme.border ? { style: { border: { fg: theme.border } } } : {}),
  });
}

export function renderFigures(
  box: blessed.Widgets.BoxElement,
  all: readonly Figure[],
  rect: Rect,
  theme: Theme,
): void {
  const width = rect.width - 2;
  const lines = figureLines(all, width, rect.height - 2).map((line, i) => {
    if (!theme.colour) return line;
    const escaped = blessed.escape(line);
    return all[i]!.alert && theme.alert ? `{${theme.alert}-fg}${escaped}{/${theme.alert}-fg}` : escaped;
  });
  box.setLabel(clip(' figures ', width));
  box.setContent(lines.join('\n'));
}
