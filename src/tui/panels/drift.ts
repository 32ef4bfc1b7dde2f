/**
 * The drift panel: the PSI of each feature and of the prediction against the training data, one bar a line,
 * worst first, with the threshold marked on every bar and the columns over it highlighted.
 */
import type blessed from 'blessed';
import type { DriftSummary } from '../../core/summaryBody.js';
import { clip, firstFitting, formatCount, formatValue } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';
import { createPanelBox, highlightedContent } from './box.js';

/** PSI above which a column has shifted significantly: the default alert rule's `psi.* > 0.2`. */
export const PSI_THRESHOLD = 0.2;
/** Eighth blocks, for the bars' ends. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** The threshold's mark, where a bar does not reach it. */
const MARK = '│';
/** Cells of a column name at most. */
const MAX_NAME = 12;

export interface DriftData {
  readonly label: string;
  /** Exactly `height` lines of exactly `width` characters. */
  readonly lines: readonly string[];
  /** `over[i]`: line i is a column over the threshold (highlighted). */
  readonly over: readonly boolean[];
}

/** `message`, wrapped to `width`, in the middle of an otherwise blank area. */
function notice(label: string, message: string, width: number, height: number): DriftData {
  const words = message.split(' ');
  const wrapped: string[] = [];
  for (const w of words) {
    const last = wrapped.length - 1;
    if (last >= 0 && wrapped[last]!.length + 1 + w.length <= width) wrapped[last] += ` ${w}`;
    else wrapped.push(w);
  }
  const shown = wrapped.slice(0, Math.max(0, height)).map((l) => clip(l, width));
  const top = Math.max(0, Math.floor((height - shown.length) / 2));
  const lines = Array.from({ length: Math.max(0, height) }, (_, i) =>
    (shown[i - top] ?? '').padEnd(Math.max(0, width)),
  );
  return { label, lines, over: lines.map(() => false) };
}

/** A bar of `value` on a scale whose end is `top`, `width` cells, the threshold marked where it does not reach. */
export function psiBar(value: number, top: number, width: number): string {
  const eighths = Math.round((Math.min(value, top) / top) * width * 8);
  const cells = [...'█'.repeat(Math.floor(eighths / 8)), ...(eighths % 8 ? [EIGHTHS[eighths % 8]!] : [])];
  const bar = Array.from({ length: width }, (_, i) => cells[i] ?? ' ');
  const mark = Math.min(width - 1, Math.round((PSI_THRESHOLD / top) * width));
  if (bar[mark] === ' ') bar[mark] = MARK;
  return bar.join('');
}

/**
 * The drift panel's content for `drift` in a `width` × `height` area (inside the border): one line per column,
 * worst first (`prediction` among them), as `name  0.31! ████│██`, `!` marking a column over the threshold; when
 * they do not all fit, the last line says how many more there are. Without a summary, with drift switched off,
 * or before there are enough vectors, it says so instead.
 */
export function driftData(drift: DriftSummary | undefined, width: number, height: number): DriftData {
  const n = drift ? ` · n ${formatCount(drift.n)}` : '';
  const label = firstFitting(
    [` drift PSI · ${MARK} = ${PSI_THRESHOLD}${n} `, ` PSI ${MARK} ${PSI_THRESHOLD} `, ' PSI '],
    width,
  );
  if (drift === undefined) return notice(label, 'waiting for the metric summary', width, height);
  if (!drift.enabled) return notice(label, `drift off: ${drift.reason ?? 'switched off'}`, width, height);
  const columns = Object.entries(drift.psi)
    .filter((e): e is [string, number] => e[1] !== null)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (columns.length === 0) return notice(label, `waiting for vectors${n}`, width, height);
  const fits = columns.length <= height ? columns.length : Math.max(0, height - 1);
  const nameWidth = Math.min(MAX_NAME, Math.max(...columns.map(([c]) => c.length)), Math.floor(width / 3));
  const barWidth = Math.max(1, width - nameWidth - 8);
  // Up to 1 at most: beyond, every bar would be a sliver beside the worst one, the threshold mark with them.
  const top = Math.max(2 * PSI_THRESHOLD, Math.min(1, columns[0]![1]));
  const lines: string[] = [];
  const over: boolean[] = [];
  for (const [name, psi] of columns.slice(0, fits)) {
    const flag = psi > PSI_THRESHOLD ? '!' : ' ';
    const row = `${clip(name, nameWidth).padEnd(nameWidth)} ${formatValue(psi).padStart(5)}${flag} ${psiBar(psi, top, barWidth)}`;
    lines.push(clip(row, width).padEnd(width));
    over.push(psi > PSI_THRESHOLD);
  }
  if (fits < columns.length) {
    const rest = columns.length - fits;
    const worst = columns[fits]![1];
    lines.push(clip(`+${rest} more, ≤ ${formatValue(worst)}`, width).padEnd(width));
    over.push(worst > PSI_THRESHOLD);
  }
  while (lines.length < height) {
    lines.push(''.padEnd(width));
    over.push(false);
  }
  return { label, lines, over };
}

export const createDrift = (rect: Rect, theme: Theme): blessed.Widgets.BoxElement =>
  createPanelBox(rect, theme, ' drift ');

export function renderDrift(box: blessed.Widgets.BoxElement, data: DriftData, theme: Theme): void {
  box.setLabel(data.label);
  box.setContent(highlightedContent(data.lines, (i) => data.over[i] === true, theme, true));
}
