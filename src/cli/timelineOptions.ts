/**
 * The options of the error-over-time chart, on `pipeline plot` and on the one-process pipeline: where it goes
 * (an empty --timeline-file switches it off), the alert log it marks, and the window its figures are computed
 * over. Apart from options.ts because they configure one chart, and the commands that draw it spread them in.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ALERTS_FILE_NAME } from '../core/summaryBody.js';
import type { TimelineOptions } from '../services/timeline.js';
import type { CliOption } from './command.js';
import { windowAndAlertsOptions } from './options.js';
import { optionalOutputFile, TIMELINE_IMAGE_NAME, type OutputPaths } from './paths.js';

export const timelineOptions = {
  'timeline-file': {
    type: 'string',
    describe: `window MAE and bias over time PNG [default <log-dir>/${TIMELINE_IMAGE_NAME}; "" switches it off]`,
  },
  ...windowAndAlertsOptions,
} as const satisfies Record<string, CliOption>;

/**
 * The timeline's settings from the output paths and its options, its folder created; `undefined` when
 * `--timeline-file ""` switched it off.
 */
export async function timelineSettings(
  paths: Pick<OutputPaths, 'logDir'>,
  args: { timelineFile?: string | undefined; alertsFile?: string | undefined; window: number },
): Promise<TimelineOptions | undefined> {
  const file = optionalOutputFile(args.timelineFile, paths.logDir, TIMELINE_IMAGE_NAME);
  if (file === undefined) return undefined;
  await mkdir(dirname(file), { recursive: true });
  const alertsFile = optionalOutputFile(args.alertsFile, paths.logDir, ALERTS_FILE_NAME);
  return { file, ...(alertsFile !== undefined ? { alertsFile } : {}), windowSize: args.window };
}
