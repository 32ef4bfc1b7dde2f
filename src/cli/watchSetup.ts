/**
 * Model watching from the command line, shared by `pipeline metric` and the one-process pipeline. Everything that
 * can be wrong with the options (a bad rule, an unreadable model file) is found here, before the transport opens,
 * so the command stops at once with a message saying what to fix.
 */
import type { Observable } from 'rxjs';
import { defaultAlertRules, parseAlertRules } from '../core/alertRule.js';
import type { Logger } from '../core/log.js';
import { ModelWatch } from '../core/modelWatch.js';
import type { Transport } from '../core/transport.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';
import { lastEventPerRule } from '../core/alertLogState.js';
import { createAlertLogReader } from '../files/alertLogReader.js';
import { createMetricLogReader } from '../files/metricLogReader.js';
import { readReference } from '../files/readReference.js';
import { watchModel } from '../services/watch.js';
import {
  ALERTS_FILE_NAME,
  SUMMARY_FILE_NAME,
  type AlertEventBody,
  type SummaryBody,
} from '../core/summaryBody.js';
import { optionalOutputFile } from './paths.js';

export interface WatchArgs {
  readonly watch: boolean;
  readonly model: string;
  readonly window: number;
  /** The --alert values; a string when it came from PIPELINE_ALERT. */
  readonly alert?: readonly string[] | string | undefined;
  readonly alertsFile?: string | undefined;
  readonly summaryFile?: string | undefined;
  /** The one-process pipeline's `--no-drift`: no replica measures drift, so the summary says drift is off. */
  readonly drift?: boolean;
}

export interface PreparedWatch {
  /** What is watched, for one log line at start. */
  readonly description: string;
  /** `metric$` with the model watched on the side (see `watchModel`). */
  attach(metric$: Observable<ServiceEvent>, transport: Transport, log: Logger): Observable<ServiceEvent>;
  /** The figures of the summary now (for the metrics endpoint). */
  readonly summary: () => SummaryBody;
  /**
   * Feeds the rows already in `csvFiles` (a metric restarted on its log) to the figures, in file order, so that
   * they stay those of the whole log rather than of the rows joined since the restart, and takes up the alerts its
   * alert log leaves firing, so that one still true does not fire again and one no longer true resolves. Call it
   * once, after the log is opened and before the metric consumes. Says what it took up in `log` (each line
   * starting with `prefix`).
   */
  readonly resume: (csvFiles: readonly string[], log: Logger, prefix?: string) => Promise<void>;
}

/**
 * The watch the options ask for, or undefined with --no-watch.
 *
 * @throws AlertRuleError for a bad rule; Error or ReferenceProfileError for an unusable model file.
 */
export async function prepareWatch(
  args: WatchArgs,
  logDir: string,
  /** Metric processes the records are partitioned among, when this one watches one partition's records. */
  partitions = 1,
): Promise<PreparedWatch | undefined> {
  if (!args.watch) return undefined;
  const reference = args.drift === false ? undefined : await readReference(args.model);
  const text = [args.alert ?? []].flat().join(';');
  const rules =
    text.trim() === ''
      ? defaultAlertRules(reference !== undefined)
      : parseAlertRules(text, reference && Object.keys(reference.features));
  const driftOffReason =
    args.drift === false
      ? 'switched off (--no-drift)'
      : `the model file ${args.model} has no reference profile`;
  const watch = new ModelWatch({ windowSize: args.window, reference, rules, driftOffReason, partitions });
  const summaryFile = optionalOutputFile(args.summaryFile, logDir, SUMMARY_FILE_NAME);
  const alertsFile = optionalOutputFile(args.alertsFile, logDir, ALERTS_FILE_NAME);
  const drift = reference
    ? `drift against ${args.model}`
    : `drift off: ${driftOffReason}${args.drift === false ? '' : ' (train it again to add one)'}`;
  const alerts = watch.alertNames.length > 0 ? watch.alertNames.join('; ') : 'none';
  return {
    description: `watch: window ${args.window}, ${drift}; alerts: ${alerts}; summary ${summaryFile ?? 'broadcast only'}`,
    attach: (metric$, transport, log) =>
      watchModel(metric$, transport, { watch, log, summaryFile, alertsFile }),
    summary: () => watch.summary(Date.now()),
    resume: async (csvFiles, log, prefix = '') => {
      const before = watch.records;
      for (const file of csvFiles) {
        const reader = createMetricLogReader(file);
        // A read takes at most 8 MiB: read until the offset stops moving (a missing log reads as nothing).
        for (let offset = -1; offset !== reader.offset;) {
          offset = reader.offset;
          const { records } = await reader.read();
          for (const r of records)
            try {
              watch.record(r.y_true, r.y_pred);
            } catch {
              // A hand-edited row whose squares overflow: left out of the figures, as the join would leave it.
            }
        }
      }
      const firing = alertsFile === undefined ? [] : watch.restoreAlerts(await readAlertLogEnd(alertsFile));
      const rows = watch.records - before;
      const logs = csvFiles.length > 1 ? "logs'" : "log's";
      if (rows > 0) log('info', `${prefix}the figures start from the ${logs} ${rows} rows`);
      if (firing.length > 0) log('info', `${prefix}still firing from before: ${firing.join('; ')}`);
    },
  };
}

/** The last event of each rule in the alert log `file` (none when it does not exist), read in bounded chunks. */
async function readAlertLogEnd(file: string): Promise<AlertEventBody[]> {
  const reader = createAlertLogReader(file);
  let last: AlertEventBody[] = [];
  for (;;) {
    const chunk = await reader.read();
    if (chunk.events.length === 0 && chunk.malformedLines === 0) return last;
    last = lastEventPerRule([...last, ...chunk.events]);
  }
}
