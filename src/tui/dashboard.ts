/**
 * The live dashboard: a feed folded into the view-model as events arrive, and the screen redrawn from it a few
 * times a second at most (`auditTime`), whatever the record rate. Keys: q / Ctrl-C quit, p pause drawing,
 * r reset, ? help.
 */
import { auditTime, fromEvent, interval, merge, Subject, Subscription } from 'rxjs';
import { DashboardScreen, type ScreenStreams } from './dashboardScreen.js';
import type { DashboardFeed } from './feeds.js';
import { holdOutput, type HeldOutput } from './holdOutput.js';
import type { UiState } from './panels/helpLine.js';
import { themeFor } from './theme.js';
import { DashboardModel } from './viewModel.js';
import { errorMessage } from '../core/errors.js';

/** Milliseconds between two redraws at most, when not configured: a full frame costs tens of milliseconds. */
export const DEFAULT_REFRESH_MS = 250;
/** The figures that age (rate, service ages) are redrawn at least this often, even with no data arriving. */
const IDLE_REDRAW_MS = 1000;

export interface DashboardOptions extends ScreenStreams {
  readonly feed: DashboardFeed;
  /** Least milliseconds between two redraws. @default DEFAULT_REFRESH_MS */
  readonly refreshMs?: number;
  /** Records in the chart window. @default DEFAULT_WINDOW */
  readonly window?: number;
  /** Histogram bins (as the PNG's). @default DEFAULT_BINS */
  readonly bins?: number;
  /** Aborting it closes the dashboard, as q does. */
  readonly signal?: AbortSignal;
  /** Read for NO_COLOR and TERM. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Hold what is written to process.stdout / process.stderr while the screen is up, and write it after.
   * @default true when drawing on process.stdout
   */
  readonly holdLogs?: boolean;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Whether a full-screen dashboard can be drawn on `stream`: a terminal that can address the cursor. When not
 * (piped, redirected, TERM=dumb), show plain lines instead (see runPlainDashboard).
 */
export const canDrawScreen = (
  stream: { readonly isTTY?: boolean } = process.stdout,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean => Boolean(stream.isTTY) && env.TERM !== 'dumb';

/** Why the dashboard closed. */
export type DashboardExit = 'quit' | 'signal';

export interface DashboardHandle {
  /** Resolves once the dashboard is closed and the terminal restored; rejects if drawing failed. */
  readonly done: Promise<DashboardExit>;
  readonly model: DashboardModel;
  /** Draws the current view now, throttle or pause notwithstanding. */
  drawNow(): void;
  /** The frame last drawn, as text. */
  text(): string;
  /** Closes the dashboard, as q does. */
  close(): void;
}

/**
 * Opens the dashboard on the terminal and keeps it up until q, Ctrl-C or `signal`. It unsubscribes from the
 * feed when it closes; the transport behind the feed stays the caller's to close.
 *
 * @example
 * ```ts
 * const transport = await createTransport({ kind: 'nats' });
 * const dashboard = startDashboard({ feed: transportFeed(transport) });
 * await dashboard.done;
 * await transport.close();
 * ```
 */
export function startDashboard(options: DashboardOptions): DashboardHandle {
  const { feed, refreshMs = DEFAULT_REFRESH_MS, signal } = options;
  if (!(Number.isFinite(refreshMs) && refreshMs > 0))
    throw new RangeError(`refreshMs must be a positive number, got ${refreshMs}`);
  const now = options.now ?? Date.now;
  const model = new DashboardModel(
    {
      source: feed.source,
      ...(options.window !== undefined ? { window: options.window } : {}),
      ...(options.bins !== undefined ? { bins: options.bins } : {}),
    },
    now(),
  );
  const onStdout = options.output === undefined;
  const held: HeldOutput | undefined = (options.holdLogs ?? onStdout) ? holdOutput() : undefined;
  const ui: { -readonly [K in keyof UiState]: UiState[K] } = { paused: false, helpOpen: false };
  let screen: DashboardScreen;
  try {
    screen = new DashboardScreen(
      {
        ...options,
        output: options.output ?? held?.screenOutput ?? process.stdout,
        terminal: options.terminal ?? (options.env ?? process.env).TERM ?? 'xterm',
      },
      themeFor(options.env ?? process.env),
      `pipeline dashboard: ${feed.source}`,
    );
  } catch (e) {
    held?.release();
    throw e;
  }

  const subscriptions = new Subscription();
  let closed = false;
  let settle: { resolve: (exit: DashboardExit) => void; reject: (e: unknown) => void };
  const done = new Promise<DashboardExit>((resolve, reject) => (settle = { resolve, reject }));
  const close = (exit: DashboardExit, error?: unknown): void => {
    if (closed) return;
    closed = true;
    subscriptions.unsubscribe();
    signal?.removeEventListener('abort', onAbort);
    try {
      screen.destroy();
    } finally {
      held?.release();
      if (error === undefined) settle.resolve(exit);
      else settle.reject(error);
    }
  };
  const onAbort = (): void => close('signal');

  const draw = (force = false): void => {
    if (closed || (ui.paused && !force)) return;
    try {
      screen.draw(model.view(now()), ui, { countsJoined: feed.countsJoined });
    } catch (e) {
      close('quit', e);
    }
  };

  const changes = new Subject<void>();
  subscriptions.add(
    feed.events$.subscribe({
      next: (event) => {
        model.apply(event, now());
        changes.next();
      },
      error: (e: unknown) => {
        model.addMalformed(`feed failed: ${errorMessage(e)}`, 0);
        changes.next();
      },
    }),
  );
  subscriptions.add(
    merge(changes, interval(IDLE_REDRAW_MS))
      .pipe(auditTime(refreshMs))
      .subscribe(() => draw()),
  );
  subscriptions.add(
    fromEvent(screen.screen, 'resize').subscribe(() => {
      screen.relayout();
      draw(true);
    }),
  );

  const s = screen.screen;
  s.key(['q', 'C-c'], () => close('quit'));
  s.key(['p'], () => {
    ui.paused = !ui.paused;
    draw(true);
  });
  s.key(['r'], () => {
    model.reset(now());
    draw(true);
  });
  s.key(['?'], () => {
    ui.helpOpen = !ui.helpOpen;
    draw(true);
  });
  s.key(['escape'], () => {
    ui.helpOpen = false;
    draw(true);
  });

  if (signal?.aborted) close('signal');
  else {
    signal?.addEventListener('abort', onAbort, { once: true });
    draw(true);
  }
  return {
    done,
    model,
    drawNow: () => draw(true),
    text: () => screen.text(),
    close: () => close('quit'),
  };
}

/** `startDashboard(options).done`: resolves when the dashboard has closed and the terminal is restored. */
export function runDashboard(options: DashboardOptions): Promise<DashboardExit> {
  return startDashboard(options).done;
}
