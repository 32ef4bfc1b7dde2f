/**
 * The plot's defaults. Apart from plot.ts because that module loads the renderer (vega, vega-lite, resvg: most
 * of the start-up time), and the command line reads these before it knows whether it will draw anything.
 */
import { DEFAULT_BINS } from '../core/histogram.js';

export const PLOT_DEFAULTS = {
  /** Bins of the error histogram. */
  bins: DEFAULT_BINS,
  /** Milliseconds between two refreshes of the PNG. */
  intervalMs: 2_000,
} as const;
