/** The banner across the top while alerts fire: which rules, their value now, highlighted. */
import blessed from 'blessed';
import type { FiringAlertBody } from '../../core/summaryBody.js';
import { clip, formatValue } from '../format.js';
import type { Rect } from '../layout.js';
import type { Theme } from '../theme.js';

/**
 * The banner's one line, exactly `width` wide, or `undefined` when no alert fires (then there is no banner):
 * ` ALERT psi.bmi > 0.2 (0.312) · window.mae > 60 (64.2)`, with `+k more` when they do not all fit.
 */
export function alertBanner(firing: readonly FiringAlertBody[], width: number): string | undefined {
  if (firing.length === 0) return undefined;
  const head = ` ALERT${firing.length > 1 ? ` ×${firing.length}` : ''} `;
  const parts = firing.map((a) => `${a.rule} (${formatValue(a.value)})`);
  let text = head + parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    const more = ` +${parts.length - i} more`;
    const next = `${text} · ${parts[i]}`;
    // Keep room to say how many are left out, unless this is the last one.
    if (next.length + (i < parts.length - 1 ? more.length : 0) > width) {
      text += more;
      break;
    }
    text = next;
  }
  return clip(text, width).padEnd(width);
}

export function createAlertBanner(rect: Rect, theme: Theme): blessed.Widgets.BoxElement {
  return blessed.box({
    ...rect,
    hidden: true,
    wrap: false,
    style: theme.colour
      ? { fg: 'white', bg: theme.alert ?? 'red', bold: true }
      : { inverse: true, bold: true },
  });
}

export function renderAlertBanner(box: blessed.Widgets.BoxElement, line: string | undefined): void {
  if (line === undefined) {
    box.hide();
    return;
  }
  box.setContent(line);
  box.show();
}
