/**
 * The command line. Commands are registered as an explicit list (yargs' commandDir relies on require, which fits
 * ESM poorly); `.strict()` turns a mistyped option into an error instead of a silent default. A mistyped command
 * or option is answered with the closest one: yargs' own suggestion of commands stays silent when there is a
 * default command, as here.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { redactText } from '../core/redact.js';
import { optionHints, unknownCommand } from '../core/typoHints.js';
import type { CliCommand, CliOptions } from './command.js';
import { dashboardCommand } from './commands/dashboard.js';
import { deadLettersCommand } from './commands/deadLetters.js';
import { featuresCommand } from './commands/features.js';
import { metricCommand } from './commands/metric.js';
import { modelCommand } from './commands/model.js';
import { plotCommand } from './commands/plot.js';
import { runCommand } from './commands/run.js';
import { trainCommand } from './commands/train.js';
import { stopOnSignals } from './lifecycle.js';
import { Terminal } from './terminal.js';
import { UsageError } from './usageError.js';

/** Each command's word and options, for the hints; the same list as registered below. */
const COMMANDS: readonly Pick<CliCommand<CliOptions>, 'command' | 'optionNames'>[] = [
  runCommand,
  featuresCommand,
  modelCommand,
  metricCommand,
  plotCommand,
  trainCommand,
  dashboardCommand,
  deadLettersCommand,
];

export async function main(argv: string[] = hideBin(process.argv)): Promise<void> {
  const names = COMMANDS.map((c) => c.command).filter((name) => name !== '$0');
  const mistyped = unknownCommand(argv, names);
  if (mistyped !== undefined) {
    process.stderr.write(`pipeline: ${mistyped}\n`);
    process.exit(2);
  }
  // The options of the command being run, for the hints at a mistyped one.
  const command = COMMANDS.find((c) => c.command === argv[0]) ?? runCommand;
  const hints = optionHints(argv, [...command.optionNames, 'help', 'version']);
  // A terminal made when a signal comes logs in the format the command was given by then.
  stopOnSignals((level, message) => new Terminal().log(level, message));
  // A command's options are built when it is chosen: a bad variable is thrown from there, past `.fail()`.
  await parse(argv, hints).catch((e: unknown) => {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`pipeline: ${redactText(e.message)}\n`);
    process.exit(2);
  });
}

async function parse(argv: string[], hints: readonly string[]): Promise<unknown> {
  return yargs(argv)
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
    .command(deadLettersCommand)
    .strict()
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
        process.stderr.write(`\n${[message, ...hints].join('\n')}\n`);
      }
      process.exit(2);
    })
    .parseAsync();
}
