/**
 * `pipeline dashboard`: attaches to a running pipeline over any transport (or follows the metric log) and shows
 * it live. On a terminal, a full-screen dashboard; otherwise (or with TERM=dumb) plain lines, never escape codes.
 */
import { join } from 'node:path';
import { redactText } from '../../core/redact.js';
import type { Transport } from '../../core/transport.js';
import { canDrawScreen, DEFAULT_REFRESH_MS, runDashboard } from '../../tui/dashboard.js';
import { csvFeed, transportFeed, type DashboardFeed } from '../../tui/feeds.js';
import { runPlainDashboard } from '../../tui/plainDashboard.js';
import { SUMMARY_FILE_NAME } from '../../core/summaryBody.js';
import { summaryFileFor } from '../../tui/summaryFile.js';
import { DEFAULT_WINDOW, MAX_WINDOW } from '../../tui/viewModel.js';
import { defineCommand, integer, positive, type CommandArgs } from '../command.js';
import { durationOption } from '../durationOption.js';
import { stopOnSignals } from '../lifecycle.js';
import { transportOptions } from '../options.js';
import { DEFAULT_LOG_DIR, METRIC_LOG_NAME } from '../paths.js';
import { openTransport } from '../startup.js';
import type { PermanentConnectionError } from '../../core/connectionFailure.js';
import { EXIT_PERMANENT_CONNECTION_FAILURE } from '../permanentFailure.js';

const options = {
  ...transportOptions,
  'from-csv': {
    type: 'string',
    describe:
      'follow this metric log instead of a transport (no broker needed; starts with the rows already in it)',
  },
  'summary-file': {
    type: 'string',
    describe: `with --from-csv: the metric's summary to show [default: ${SUMMARY_FILE_NAME} next to the log]`,
  },
  'refresh-ms': durationOption({
    default: DEFAULT_REFRESH_MS,
    describe: 'least time between two redraws (a full frame costs tens of milliseconds)',
    check: positive,
  }),
  window: {
    type: 'number',
    default: DEFAULT_WINDOW,
    describe: `records in the error chart (2 to ${MAX_WINDOW})`,
    check: (flag: string, value: unknown) => {
      integer(flag, value);
      if (typeof value !== 'number' || value < 2 || value > MAX_WINDOW)
        throw new Error(`--${flag} must be a whole number from 2 to ${MAX_WINDOW}, got ${String(value)}`);
    },
  },
} as const;

const log = (level: string, message: string): void => {
  // While the screen is up, this is held (see holdOutput) and printed when the dashboard closes.
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${redactText(message)}\n`);
};

export const dashboardCommand = defineCommand({
  name: 'dashboard',
  describe:
    'show a running pipeline live: errors, their histogram, model quality, drift, alerts, latest records and figures',
  options,
  examples: [
    ['$0 dashboard --transport=nats', 'attach to the services running over NATS'],
    ['$0 dashboard --from-csv logs/metric_log.csv', 'follow the metric log, no broker'],
  ],
  handler: (args) => dashboard(args),
});

async function dashboard(args: CommandArgs<typeof options>): Promise<number> {
  const stop = stopOnSignals();
  let transport: Transport | undefined;
  let refused: PermanentConnectionError | undefined;
  let feed: DashboardFeed;
  // The memory transport lives inside the pipeline's process: from outside, its metric log is what can be watched.
  const csvFile =
    args.fromCsv ??
    (args.transport === 'memory'
      ? (process.env.CSV_FILE ?? join(DEFAULT_LOG_DIR, METRIC_LOG_NAME))
      : undefined);
  if (csvFile !== undefined) {
    feed = csvFeed(csvFile, undefined, args.summaryFile ?? summaryFileFor(csvFile));
  } else {
    // Not an exit from under the screen: the screen closes, then the reason is printed where it can be read.
    transport = await openTransport(args, log, (failure) => {
      refused = failure;
      stop.abort();
    });
    feed = transportFeed(transport);
  }
  try {
    if (canDrawScreen()) {
      await runDashboard({ feed, refreshMs: args.refreshMs, window: args.window, signal: stop.signal });
      // Ctrl-C inside the screen is a key, not a signal: the process is stopping either way.
      stop.abort();
    } else {
      await runPlainDashboard({
        feed,
        signal: stop.signal,
        write: (line) => process.stdout.write(`${line}\n`),
      });
    }
  } finally {
    await transport?.close();
  }
  if (refused === undefined) return 0;
  log('error', refused.message);
  return EXIT_PERMANENT_CONNECTION_FAILURE;
}
