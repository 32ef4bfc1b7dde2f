/**
 * `pipeline dead-letters list|replay|purge`: the dead letters of a queue topic where RabbitMQ or NATS JetStream
 * keeps them. The memory transport and core NATS keep none beyond their process, and are refused.
 */
import type { Argv, CommandModule } from 'yargs';
import { deadLettersListCommand } from './deadLettersList.js';
import { deadLettersPurgeCommand } from './deadLettersPurge.js';
import { deadLettersReplayCommand } from './deadLettersReplay.js';

export const deadLettersCommand: CommandModule & {
  readonly command: string;
  readonly optionNames: string[];
} = {
  command: 'dead-letters',
  // For the hints at a mistyped option: any option of its three commands.
  optionNames: [
    ...new Set(
      [deadLettersListCommand, deadLettersReplayCommand, deadLettersPurgeCommand].flatMap(
        (c) => c.optionNames,
      ),
    ),
  ],
  describe: 'list, replay or purge the dead letters of a topic (RabbitMQ, NATS JetStream)',
  builder: (y: Argv) =>
    y
      .command(deadLettersListCommand)
      .command(deadLettersReplayCommand)
      .command(deadLettersPurgeCommand)
      .demandCommand(1, 'say what to do: list, replay or purge')
      .strict(),
  // Never runs: demandCommand makes yargs require one of the commands above.
  handler: () => undefined,
};
