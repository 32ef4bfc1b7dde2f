/**
 * The histogram of absolute errors, with the PNG's bins (src/core/histogram.ts), drawn as text columns of
 * eighth blocks: blessed-contrib's bar chart needs 4 cells a bar, which 20 bins at 80 columns do not have.
 */
import blessed from 'blessed';
import type { HistogramSnapshot } from '../../core/histogram.js';
import { clip, firstFitting, formatCount, formatValue } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';

const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

export interface HistogramData {
  readonly label: string;
  /** Exactly `height` lines of at most `width` characters: the bars, then the bin edges. */
  readonly lines: readonly string[];
}

/** Places `text` at `col` of `line` if it fits without touching anything already there. */
function place(line: string[], col: number, text: string): boolean {
  if (col < 0 || col + text.length > line.length) return false;
  for (let i = Math.max(0, col - 1); i < Math.min(line.length, col + text.length + 1); i++)
    if (line[i] !== ' ') return false;
  for (let i = 0; i < text.length; i++) line[col + i] = text[i]!;
  return true;
}

/** A bin edge as an axis label: whole numbers without decimals. */
const edgeLabel = (x: number): string => (Number.isInteger(x) ? x.toLocaleString('en-US') : formatValue(x));

/**
 * The histogram in a `width` × `height` area (inside the border). The bins share the width as evenly as cells
 * allow (a gap between bins when they are 3 cells or wider); heights are relative to the fullest bin, to an
 * eighth of a cell, and a bin with any count shows at least an eighth. The last line labels bin edges where
 * they fit.
 */
export function histogramData(h: HistogramSnapshot, width: number, height: number): HistogramData {
  const bins = h.bins.length;
  const peak = h.bins.reduce((m, b) => Math.max(m, b.count), 0);
  const w = edgeLabel(h.binWidth);
  const n = formatCount(h.total);
  const label = firstFitting(
    [
      ` |error| histogram · ${bins} bins of ${w} · n ${n} · peak ${formatCount(peak)} `,
      ` histogram · ${bins} bins of ${w} · n ${n} `,
      ` histogram · n ${n} `,
    ],
    width - 2,
  );
  const blank = (): string[] => new Array<string>(Math.max(0, width)).fill(' ');
  if (h.total === 0 || width < bins || height < 2) {
    const lines = Array.from({ length: Math.max(0, height) }, () => ''.padEnd(Math.max(0, width)));
    const why = h.total === 0 ? 'no records yet' : `too small for ${bins} bins`;
    if (lines.length > 0)
      lines[Math.floor((lines.length - 1) / 2)] = clip(why, width).padEnd(Math.max(0, width));
    return { label, lines };
  }
  const start = (i: number): number => Math.floor((i * width) / bins);
  const gap = width / bins >= 3 ? 1 : 0;
  const barRows = height - 1;
  const rows = Array.from({ length: barRows }, blank);
  for (let i = 0; i < bins; i++) {
    const count = h.bins[i]!.count;
    const eighths = count === 0 ? 0 : Math.max(1, Math.round((count / peak) * barRows * 8));
    for (let r = 0; r < barRows; r++) {
      const fill = Math.min(8, Math.max(0, eighths - (barRows - 1 - r) * 8));
      for (let c = start(i); c < start(i + 1) - gap; c++) rows[r]![c] = EIGHTHS[fill]!;
    }
  }
  const axis = blank();
  // The rightmost edge first, so that it is always shown; then edges from the left where they fit.
  const end = edgeLabel(bins * h.binWidth);
  place(axis, width - end.length, end);
  for (let i = 0; i < bins; i++) place(axis, start(i), edgeLabel(i * h.binWidth));
  return { label, lines: [...rows.map((r) => r.join('')), axis.join('')] };
}

export function createHistogram(rect: Rect, theme: Theme): blessed.Widgets.BoxElement {
  return blessed.box({
    ...rect,
    label: ' |error| histogram ',
    border: { type: 'line' },
    tags: false,
    style: {
      ...(theme.bars ? { fg: theme.bars } : {}),
      ...(theme.border ? { border: { fg: theme.border } } : {}),
    },
  });
}

export function renderHistogram(box: blessed.Widgets.BoxElement, data: HistogramData): void {
  box.setLabel(data.label);
  box.setContent(data.lines.join('\n'));
}
