/** The bordered text box the text panels share (figures, drift): a label, colour tags when colours are on. */
import blessed from 'blessed';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';

/** A bordered box at `rect` labelled `label`, whose content may carry colour tags when the theme has colours. */
export function createPanelBox(rect: Rect, theme: Theme, label: string): blessed.Widgets.BoxElement {
  return blessed.box({
    ...rect,
    label,
    border: { type: 'line' },
    tags: theme.colour,
    // Lines are cut to the width already; blessed would wrap a full-width line that ends with a colour tag.
    wrap: false,
    ...(theme.border ? { style: { border: { fg: theme.border } } } : {}),
  });
}

/** `lines` as a box's content: escaped, and those `highlighted` in the alert colour (bold when `bold`). */
export function highlightedContent(
  lines: readonly string[],
  highlighted: (i: number) => boolean,
  theme: Theme,
  bold = false,
): string {
  return lines
    .map((line, i) => {
      if (!theme.colour) return line;
      const escaped = blessed.escape(line);
      if (!highlighted(i) || !theme.alert) return escaped;
      const inner = bold ? `{bold}${escaped}{/bold}` : escaped;
      return `{${theme.alert}-fg}${inner}{/${theme.alert}-fg}`;
    })
    .join('\n');
}
