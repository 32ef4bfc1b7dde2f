/**
 * The options of the error-over-time chart, on `pipeline plot` and on the one-process pipeline: where it goes
 * (an empty --timeline-file switches it off), the alert log it marks, and the window its figures are computed
 * over. Apart from options.ts because they configure one chart, and the commands that draw it spread them in.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_WINDOW_SIZE } from '../core/quality.js';
import type { TimelineOptions } from '../services/timeline.js';
import type { CliOption } from './command.js';
import type { OutputPaths } from './paths.js';

/** Names in the log folder, as the metric writes the alert log. */
export const TIMELINE_IMAGE_NAME = 'error_over_time.png';
export const ALERT_LOG_NAME = 'alerts.jsonl';

export const timelineOptions = {
  'timeline-file': {
    type: 'string',
    describe: `window MAE and bias over time PNG [default <log-dir>/${TIMELINE_IMAGE_NAME}; "" switches it off]`,
  },
  'alerts-file': {
    type: 'string',
    describe: `alert log whose changes the timeline marks [default <log-dir>/${ALERT_LOG_NAME}]`,
  },
  window: {
    type: 'number',
    default: DEFAULT_WINDOW_SIZE,
    describe: 'records in the window of the timeline’s MAE and bias',
    check: (flag: string, value: unknown) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
        throw new Error(`--${flag} must be a positive integer, got ${String(value)}`);
    },
  },
} as const satisfies Record<string, CliOption>;

/**
 * The timeline's settings from the output paths and its options, its folder created; `undefined` when
 * `--timeline-file ""` switched it off.
 */
export async function timelineSettings(
  paths: Pick<OutputPaths, 'logDir'>,
  args: { timelineFile?: string | undefined; alertsFile?: string | undefined; window: number },
): Promise<TimelineOptions | undefined> {
  if (args.timelineFile === '') return undefined;
  const file = resolve(args.timelineFile ?? join(paths.logDir, TIMELINE_IMAGE_NAME));
  await mkdir(dirname(file), { recursive: true });
  return {
    file,
    alertsFile: resolve(args.alertsFile ?? join(paths.logDir, ALERT_LOG_NAME)),
    windowSize: args.window,
  };
}
