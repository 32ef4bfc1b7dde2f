/**
 * `pipeline metric`: the metric service in its own process. It appends to the metric log it finds, and skips the
 * records already in it, so a restart neither loses nor repeats rows.
 */
import { CsvAppender } from '../../files/csvAppender.js';
import { metricService } from '../../services/metric.js';
import { defineCommand } from '../command.js';
import { fsyncFor, metricOptions, metricSettings, outputOptions, transportOptions } from '../options.js';
import { outputPaths } from '../paths.js';
import { runService } from '../runService.js';

export const metricCommand = defineCommand({
  name: 'metric',
  describe: 'join `y_true` with `y_pred` by id and append to the metric log',
  options: { ...transportOptions, ...outputOptions, ...metricOptions },
  handler: async (args) => {
    const paths = await outputPaths(args);
    let csv: CsvAppender | undefined;
    return runService({
      name: 'metric',
      args,
      start: async (transport, signal, terminal) => {
        csv = await CsvAppender.open(paths.csvFile, { fsync: fsyncFor(args) });
        terminal.log(
          'info',
          `metric: appending to ${paths.csvFile} (${csv.existingKeys.size > 0 ? 'resuming' : 'new log'})`,
        );
        return metricService(transport, csv, {
          ...metricSettings(args),
          alreadyJoined: csv.existingKeys,
          signal,
        });
      },
      finish: async () => csv?.close(),
    });
  },
});
