/** Number and text formatting shared by the panels. Pure. */

/** An integer with thousands separators; `–` for a figure nobody reported. */
export const formatCount = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');

/**
 * A measurement in at most about 6 characters: 3 significant digits below 1000, whole numbers above;
 * `–` for NaN (no data is not zero).
 */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  if (a >= 0.001) return x.toFixed(3);
  return x.toExponential(1);
}

/** `text` cut to `width` characters, with `…` when cut. */
export const clip = (text: string, width: number): string =>
  width <= 0 ? '' : text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;

/** `text` cut from the left to `width` characters (the end of an id is the part that changes). */
export const clipLeft = (text: string, width: number): string =>
  width <= 0 ? '' : text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;

/** `label` and `value` on one line of exactly `width` characters, the value flush right. */
export function labelled(label: string, value: string, width: number): string {
  const v = clip(value, width);
  const room = width - v.length - 1;
  if (room <= 0) return v.padStart(width);
  return `${clip(label, room).padEnd(room)} ${v}`;
}

/** Milliseconds as `850ms`, `12s`, `3m`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.round(ms / 60_000)}m`;
}

/** The first of `candidates` (longest first, say) that fits `width`, else the last one clipped. */
export function firstFitting(candidates: readonly string[], width: number): string {
  for (const c of candidates) if (c.length <= width) return c;
  return clip(candidates[candidates.length - 1] ?? '', width);
}
