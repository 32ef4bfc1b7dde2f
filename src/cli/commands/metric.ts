/**
 * `pipeline metric`: the metric service in its own process. It appends to the metric log it finds, and skips the
 * records already in it, so a restart neither loses nor repeats rows. Unless --no-watch, it also watches the model
 * (quality summary, drift, alerts: see `watchModel`).
 */
import { EMPTY } from 'rxjs';
import { CsvAppender } from '../../files/csvAppender.js';
import { metricService } from '../../services/metric.js';
import { defineCommand } from '../command.js';
import {
  fsyncFor,
  metricOptions,
  metricSettings,
  modelOptions,
  outputOptions,
  traceOptions,
  transportOptions,
  watchOptions,
} from '../options.js';
import { outputPaths } from '../paths.js';
import { metricsOptions } from '../metricsEndpoint.js';
import { ownedPartition, partitionCsvFile, partitionFile, partitionOptions } from '../partitionOptions.js';
import { ALERTS_FILE_NAME, SUMMARY_FILE_NAME } from '../../core/summaryBody.js';
import { ownPartition, type Ownership } from '../partitionOwnership.js';
import { checkPartitionCount } from '../partitionCheck.js';
import { runService } from '../runService.js';
import { openTrace, type Trace } from '../traceSetup.js';
import { prepareWatch } from '../watchSetup.js';

export const metricCommand = defineCommand({
  name: 'metric',
  describe: 'join `y_true` with `y_pred` by id, append to the metric log and watch the model',
  options: {
    ...transportOptions,
    ...outputOptions,
    ...metricOptions,
    ...modelOptions,
    ...watchOptions,
    ...traceOptions,
    ...metricsOptions,
    ...partitionOptions,
  },
  handler: async (args) => {
    const partition = ownedPartition(args);
    await checkPartitionCount(args, args.partitions);
    const paths = await outputPaths({ ...args, csvFile: partitionCsvFile(args, partition) });
    // Before connecting: a bad rule or model file stops the command here.
    // Each partition's metric watches its own records: its summary and alert log are its own files.
    const watch = await prepareWatch(
      {
        ...args,
        summaryFile: partitionFile(paths.logDir, SUMMARY_FILE_NAME, partition, args.summaryFile),
        alertsFile: partitionFile(paths.logDir, ALERTS_FILE_NAME, partition, args.alertsFile),
      },
      paths.logDir,
      args.partitions,
    );
    let csv: CsvAppender | undefined;
    let trace: Trace | undefined;
    let ownership: Ownership | undefined;
    return runService({
      name: 'metric',
      args,
      ...(watch ? { summary: watch.summary } : {}),
      start: async (transport, signal, terminal) => {
        // The log is opened only once the partition is ours: it then holds every row a previous owner wrote.
        ownership = await ownPartition(args, partition, signal, terminal.log);
        if (ownership === undefined) return EMPTY;
        csv = await CsvAppender.open(paths.csvFile, { fsync: fsyncFor(args) });
        terminal.log(
          'info',
          `metric: appending to ${paths.csvFile} (${csv.existingKeys.size > 0 ? 'resuming' : 'new log'})`,
        );
        if (watch) {
          terminal.log('info', `metric: ${watch.description}`);
          await watch.resume([paths.csvFile], terminal.log, 'metric: ');
        }
        trace = await openTrace(args, terminal.log);
        const metric$ = metricService(transport, csv, {
          ...metricSettings(args),
          alreadyJoined: csv.existingKeys,
          signal,
          partition,
          ...(trace ? { onConsumed: trace.onConsumed } : {}),
        });
        return ownership.guard(watch ? watch.attach(metric$, transport, terminal.log) : metric$);
      },
      finish: async () => {
        await trace?.close();
        await csv?.close();
        await ownership?.release();
      },
    });
  },
});
