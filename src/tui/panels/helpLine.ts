/** The help line at the bottom, the help overlay, and the notice shown when the terminal is too small. */
import blessed from 'blessed';
import { clip, firstFitting } from '../format.js';
import { MIN_COLS, MIN_ROWS, type Rect } from '../layout.js';
import type { Theme } from '../theme.js';

export interface UiState {
  readonly paused: boolean;
  readonly helpOpen: boolean;
}

/** The keys, then the drawing state and the source at the right, as much of it as fits: one line `width` wide. */
export function helpLine(ui: UiState, source: string, width: number): string {
  const keys = ` q quit  p ${ui.paused ? 'resume' : 'pause'}  r reset  ? help`;
  const right = firstFitting(
    ui.paused
      ? [`PAUSED, data keeps flowing · ${source} `, 'PAUSED, data keeps flowing ', 'PAUSED ']
      : [`${source} `, ''],
    width - keys.length - 2,
  );
  return clip(keys, width).padEnd(width - right.length) + right;
}

export const HELP_TEXT = [
  'Keys',
  '  q, Ctrl-C  quit (terminal restored, transport closed)',
  '  p          pause / resume drawing; data keeps flowing',
  '  r          reset the window, histogram and statistics',
  '  ?, Esc     close this help',
  '',
  'Panels',
  '  |error|      latest absolute errors, rolling MAE over the window',
  '  histogram    every |error| since the reset, binned as the PNG',
  '  figures      MAE, RMSE, bias, R² over all records and the',
  '               window, from the metric (– until it reports);',
  '               join buffer, unmatched and dead letters as the',
  '               services report them; p50 / p95 / max seen here',
  '  drift        PSI per column, worst first; │ marks 0.2, !',
  '               a column over it; a red banner while alerts fire',
];

export function tooSmallText(cols: number, rows: number): string {
  return `The dashboard needs at least ${MIN_COLS}×${MIN_ROWS}; this terminal is ${cols}×${rows}. q quits.`;
}

export function createHelpLine(rect: Rect, theme: Theme): blessed.Widgets.BoxElement {
  return blessed.box({ ...rect, style: theme.colour ? { fg: 'black', bg: 'cyan' } : { inverse: true } });
}

export function createHelpOverlay(theme: Theme): blessed.Widgets.BoxElement {
  return blessed.box({
    top: 'center',
    left: 'center',
    width: Math.max(...HELP_TEXT.map((l) => l.length)) + 4,
    height: HELP_TEXT.length + 2,
    label: ' help ',
    border: { type: 'line' },
    content: HELP_TEXT.join('\n'),
    padding: { left: 1 },
    hidden: true,
    ...(theme.border ? { style: { border: { fg: theme.border } } } : {}),
  });
}
