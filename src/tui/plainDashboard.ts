/**
 * The dashboard when there is no screen to draw on (stdout is not a terminal, or TERM=dumb): the same figures as
 * one plain line every few seconds, never an escape code.
 */
import { interval, Subscription } from 'rxjs';
import type { DashboardFeed } from './feeds.js';
import { figures, MAIN_FIGURES } from './panels/figures.js';
import { DashboardModel, type DashboardView } from './viewModel.js';

/** Milliseconds between two lines when not configured. */
export const DEFAULT_PLAIN_INTERVAL_MS = 5000;

/**
 * The dashboard's main figures as one line, two-column ones as `all / window`, and the alerts firing:
 * `records joined 1,234 | records / s 98 | quality all / window | MAE 43.2 / 41.0 | … | ALERT psi.bmi > 0.2`.
 */
export function plainLine(view: DashboardView, countsJoined: boolean): string {
  const alerts = view.watch.firing.map((a) => `ALERT ${a.rule}`);
  return [
    ...figures(view, { countsJoined })
      .slice(0, MAIN_FIGURES)
      .map((f) => `${f.label} ${f.value}${f.window === undefined ? '' : ` / ${f.window}`}`),
    ...alerts,
  ].join(' | ');
}

/** Writes `plainLine` every `intervalMs` until `signal` aborts, then once more; resolves then. */
export function runPlainDashboard(options: {
  readonly feed: DashboardFeed;
  readonly signal: AbortSignal;
  readonly write: (line: string) => void;
  readonly intervalMs?: number;
  readonly now?: () => number;
}): Promise<void> {
  const { feed, signal, write, intervalMs = DEFAULT_PLAIN_INTERVAL_MS } = options;
  const now = options.now ?? Date.now;
  const model = new DashboardModel({ source: feed.source }, now());
  const subs = new Subscription();
  subs.add(feed.events$.subscribe((e) => model.apply(e, now())));
  subs.add(interval(intervalMs).subscribe(() => write(plainLine(model.view(now()), feed.countsJoined))));
  return new Promise((resolve) => {
    const finish = (): void => {
      subs.unsubscribe();
      write(plainLine(model.view(now()), feed.countsJoined));
      resolve();
    };
    if (signal.aborted) finish();
    else signal.addEventListener('abort', finish, { once: true });
  });
}
