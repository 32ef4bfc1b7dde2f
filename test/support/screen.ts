/** What a test of the dashboard's screen checks first: every panel is there. */
import assert from 'node:assert/strict';

/** A title (or text) each panel shows, whatever the data: the chart, histogram, table, figures, drift, help line. */
export const PANEL_MARKS: readonly RegExp[] = [
  /\|error\| and rolling MAE/,
  /histogram/,
  /latest records/,
  /figures/,
  /PSI/,
  /q quit/,
];

export function assertEveryPanel(text: string): void {
  for (const mark of PANEL_MARKS) assert.match(text, mark);
}
