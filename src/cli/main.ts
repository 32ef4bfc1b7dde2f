/**
 * The command line. Commands are registered as an explicit list (yargs' commandDir relies on require, which fits
 * ESM poorly); `.strict()` turns a mistyped option into an error instead of a silent default.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { redactText } from '../core/redact.js';
import { dashboardCommand } from './commands/dashboard.js';
import { featuresCommand } from './commands/features.js';
import { metricCommand } from './commands/metric.js';
import { modelCommand } from './commands/model.js';
import { plotCommand } from './commands/plot.js';
import { runCommand } from './commands/run.js';
import { trainCommand } from './commands/train.js';
import { stopOnSignals } from './lifecycle.js';

export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  stopOnSignals((level, message) =>
    process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`),
  );
  await yargs(argv)
    .scriptName('pipeline')
    .usage(
      '$0 [command] [options]\n\nWatch a regression model at work, live: features -> model -> metric -> plot.\n' +
        'Without a command, runs all four services in one process.',
    )
    .command(runCommand)
    .command(featuresCommand)
    .command(modelCommand)
    .command(metricCommand)
    .command(plotCommand)
    .command(trainCommand)
    .command(dashboardCommand)
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilogue(
      'Every option can also be set as PIPELINE_<OPTION> (e.g. PIPELINE_TRANSPORT=amqp). Also read: AMQP_URL, ' +
        'RABBITMQ_HOST, NATS_URL, CSV_FILE, IMG_FILE, MODEL_FILE.',
    )
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((message, error, y) => {
      if (error) {
        process.stderr.write(`pipeline: ${redactText(error.message)}\n`);
      } else {
        y.showHelp('error');
        process.stderr.write(`\n${message}\n`);
      }
      process.exit(2);
    })
    .parseAsync();
}
