/**
 * `pipeline plot --summary-file`: where the plot writes the summary over metric partitions, and so where it looks
 * for the partitions' own summaries (see src/services/mergedSummary.ts). Apart from options.ts for the reason
 * timelineOptions.ts is: it configures one output of one command.
 */
import { SUMMARY_FILE_NAME } from '../core/summaryBody.js';
import type { MergedSummaryOptions } from '../services/mergedSummary.js';
import type { CliOption } from './command.js';
import { optionalOutputFile, type OutputPaths } from './paths.js';

export const mergedSummaryOptions = {
  'summary-file': {
    type: 'string',
    default: process.env.SUMMARY_FILE,
    describe:
      'with partition logs (metric_log.<p>.csv): the summary over every partition, from their rows and the ' +
      `partitions' summaries beside it (${SUMMARY_FILE_NAME.replace('.json', '.<p>.json')}); '' for none ` +
      `[env SUMMARY_FILE; default: <log-dir>/${SUMMARY_FILE_NAME}]`,
  },
} as const satisfies Record<string, CliOption>;

/** The merged summary's settings, or undefined when `--summary-file ''` switched it off. */
export function mergedSummarySettings(
  paths: Pick<OutputPaths, 'logDir'>,
  args: { summaryFile?: string | undefined; window: number },
): MergedSummaryOptions | undefined {
  const file = optionalOutputFile(args.summaryFile, paths.logDir, SUMMARY_FILE_NAME);
  return file === undefined ? undefined : { file, windowSize: args.window };
}
