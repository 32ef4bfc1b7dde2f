/**
 * `pipeline dashboard`: attaches to a running pipeline over any transport (or follows the metric log) and shows
 * it live. On a terminal, a full-screen dashboard; otherwise (or with TERM=dumb) plain lines, never escape codes.
 */
import type { ArgumentsCamelCase, Argv, CommandModule, InferredOptionTypes } from 'yargs';
import { redactText } from '../../core/redact.js';
import type { Transport } from '../../core/transport.js';
import { createTransport } from '../../transports/createTransport.js';
import { canDrawScreen, DEFAULT_REFRESH_MS, runDashboard } from '../../tui/dashboard.js';
import { csvFeed, transportFeed, type DashboardFeed } from '../../tui/feeds.js';
import { runPlainDashboard } from '../../tui/plainDashboard.js';
import { DEFAULT_WINDOW, MAX_WINDOW } from '../../tui/viewModel.js';
import { stopOnSignals } from '../lifecycle.js';
import { positive, transportOptions, withEnv } from '../options.js';

export const dashboardOptions = {
  ...transportOptions,
  'from-csv': {
    type: 'string',
    describe:
      'follow this metric log instead of a transport (no broker needed; starts with the rows already in it)',
  },
  'refresh-ms': {
    type: 'number',
    default: DEFAULT_REFRESH_MS,
    describe: 'least milliseconds between two redraws (a full frame costs tens of milliseconds)',
  },
  window: {
    type: 'number',
    default: DEFAULT_WINDOW,
    describe: `records in the error chart (2 to ${MAX_WINDOW})`,
  },
} as const;

type DashboardArgs = ArgumentsCamelCase<InferredOptionTypes<typeof dashboardOptions>>;

const log = (level: string, message: string): void => {
  // While the screen is up, this is held (see holdOutput) and printed when the dashboard closes.
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${redactText(message)}\n`);
};

export const dashboardCommand: CommandModule<object, DashboardArgs> = {
  command: 'dashboard',
  describe: 'show a running pipeline live: errors, their histogram, latest records and figures',
  builder: (y: Argv) =>
    y
      .options(withEnv(dashboardOptions))
      .example('$0 dashboard --transport=nats', 'attach to the services running over NATS')
      .example(
        '$0 dashboard --from-csv logs/metric_log.csv',
        'follow the metric log, no broker',
      ) as unknown as Argv<DashboardArgs>,
  handler: async (args) => {
    process.exitCode = await dashboard(args);
  },
};

async function dashboard(args: DashboardArgs): Promise<number> {
  positive('refresh-ms', args.refreshMs);
  if (!Number.isSafeInteger(args.window) || args.window < 2 || args.window > MAX_WINDOW)
    throw new Error(`--window must be an integer from 2 to ${MAX_WINDOW}, got ${String(args.window)}`);
  const stop = stopOnSignals();
  let transport: Transport | undefined;
  let feed: DashboardFeed;
  // The memory transport lives inside the pipeline's process: from outside, its metric log is what can be watched.
  const csvFile =
    args.fromCsv ??
    (args.transport === 'memory' ? (process.env.CSV_FILE ?? 'logs/metric_log.csv') : undefined);
  if (csvFile !== undefined) {
    feed = csvFeed(csvFile);
  } else {
    transport = await createTransport({
      kind: args.transport,
      url: args.url,
      natsMode: args.natsMode,
      legacyQueues: args.legacyQueues,
      logger: log,
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
  return 0;
}
