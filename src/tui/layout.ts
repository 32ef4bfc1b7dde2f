/**
 * The dashboard's grid: an alert banner while alerts fire, two rows of panels and a help line, in terminal cells.
 * Declared once below; `layoutFor` turns it into rectangles for a terminal size, so a resize (or an alert) is just
 * another call. Pure.
 *
 * ```
 *  ALERT psi.bmi > 0.2 (0.31)                               (only while an alert fires)
 * ┌ errors (line chart) ───────────────┐┌ figures ──────┐
 * │                                    ││               │
 * └────────────────────────────────────┘└───────────────┘
 * ┌ histogram ────────┐┌ drift ─────┐┌ latest records ──┐
 * └───────────────────┘└────────────┘└──────────────────┘
 *  q quit  p pause  r reset  ? help
 * ```
 */

/** The smallest terminal the dashboard draws in; below it, it asks for a larger one. */
export const MIN_COLS = 80;
export const MIN_ROWS = 24;

export type PanelName = 'chart' | 'figures' | 'histogram' | 'drift' | 'table';

interface PanelSpec {
  readonly name: PanelName;
  /** Share of the row's width. */
  readonly share: number;
  /** Width bounds in cells (borders included). */
  readonly min?: number;
  readonly max?: number;
}

interface RowSpec {
  /** Share of the height left after the help line (and the banner). */
  readonly share: number;
  /** Least height in cells (borders included). */
  readonly min?: number;
  readonly panels: readonly PanelSpec[];
}

/**
 * Figures need 11 lines inside their border (counts, the quality block, the services), hence the top row's
 * least height, kept even while the banner takes a line at 24 rows; the chart takes what the figures leave; the
 * histogram (20 bins of at least one cell), the drift bars and the table split the bottom row.
 */
export const GRID: readonly RowSpec[] = [
  {
    share: 1.2,
    min: 13,
    panels: [
      { name: 'chart', share: 2 },
      { name: 'figures', share: 1, min: 28, max: 44 },
    ],
  },
  {
    share: 1,
    panels: [
      { name: 'histogram', share: 1, min: 22 },
      { name: 'drift', share: 1, min: 20, max: 44 },
      { name: 'table', share: 1, min: 38, max: 90 },
    ],
  },
];

/** Rows the help line takes at the bottom. */
export const HELP_ROWS = 1;
/** Rows the alert banner takes at the top while an alert fires. */
export const BANNER_ROWS = 1;

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export type Layout =
  | ({
      readonly fits: true;
      readonly help: Rect;
      /** The alert banner's place; `undefined` when there is none. */
      readonly banner: Rect | undefined;
    } & Readonly<Record<PanelName, Rect>>)
  | { readonly fits: false; readonly cols: number; readonly rows: number };

/** Splits `total` cells by `shares`, honouring each part's bounds where possible; the parts add up to `total`. */
export function split(
  total: number,
  parts: readonly { share: number; min?: number; max?: number }[],
): number[] {
  const sizes: (number | undefined)[] = parts.map(() => undefined);
  // Fix the parts whose share falls outside their bounds, then share the rest among the others; repeat until stable.
  for (;;) {
    const free = parts.filter((_, i) => sizes[i] === undefined);
    const room = total - sizes.reduce<number>((a, s) => a + (s ?? 0), 0);
    const shares = free.reduce((a, p) => a + p.share, 0);
    let changed = false;
    parts.forEach((p, i) => {
      if (sizes[i] !== undefined) return;
      const ideal = (room * p.share) / shares;
      if (p.min !== undefined && ideal < p.min) sizes[i] = p.min;
      else if (p.max !== undefined && ideal > p.max) sizes[i] = p.max;
      else return;
      changed = true;
    });
    if (!changed || free.length === 0) break;
  }
  const out = parts.map((_, i) => sizes[i] ?? 0);
  const freeIdx = parts.map((_, i) => i).filter((i) => sizes[i] === undefined);
  const room = total - out.reduce((a, b) => a + b, 0);
  const shares = freeIdx.reduce((a, i) => a + parts[i]!.share, 0);
  let given = 0;
  freeIdx.forEach((i, k) => {
    // The last free part takes the rounding remainder, so the row is filled exactly.
    const size = k === freeIdx.length - 1 ? room - given : Math.round((room * parts[i]!.share) / shares);
    out[i] = size;
    given += size;
  });
  if (freeIdx.length === 0) out[out.length - 1]! += room;
  return out;
}

/**
 * The panels' rectangles for a terminal of `cols` × `rows`, with a `banner` line at the top or not, or
 * `fits: false` below MIN_COLS × MIN_ROWS.
 */
export function layoutFor(cols: number, rows: number, banner = false): Layout {
  if (cols < MIN_COLS || rows < MIN_ROWS) return { fits: false, cols, rows };
  const bannerRows = banner ? BANNER_ROWS : 0;
  const heights = split(rows - HELP_ROWS - bannerRows, GRID);
  const rects = {} as Record<PanelName, Rect>;
  let top = bannerRows;
  GRID.forEach((row, r) => {
    const height = heights[r]!;
    const widths = split(cols, row.panels);
    let left = 0;
    row.panels.forEach((panel, p) => {
      rects[panel.name] = { left, top, width: widths[p]!, height };
      left += widths[p]!;
    });
    top += height;
  });
  return {
    fits: true,
    ...rects,
    help: { left: 0, top, width: cols, height: HELP_ROWS },
    banner: banner ? { left: 0, top: 0, width: cols, height: BANNER_ROWS } : undefined,
  };
}
