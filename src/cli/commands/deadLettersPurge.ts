/** `pipeline dead-letters purge`: removes dead letters for good; asks for --yes first. */
import { chooser, reasonCode } from '../../core/deadLetters.js';
import { defineCommand } from '../command.js';
import {
  complain,
  deadLetterOptions,
  EXIT_OK,
  EXIT_USAGE,
  reasonOption,
  say,
  topicNamed,
  withDeadLetterStore,
} from '../deadLetterSetup.js';

export const deadLettersPurgeCommand = defineCommand({
  name: 'purge',
  service: 'dead-letters',
  describe: 'remove dead letters for good (all, or those with one reason); needs --yes',
  options: {
    ...deadLetterOptions,
    reason: reasonOption,
    yes: { type: 'boolean', default: false, describe: 'really remove them' },
  },
  examples: [['$0 dead-letters purge --transport=amqp --topic features --reason not_json --yes', '']],
  handler: (args) =>
    withDeadLetterStore(args, async (store) => {
      const topic = topicNamed(args.topic);
      const where = store.where(topic);
      const reason = args.reason;
      if (reason === undefined) {
        if (!args.yes) {
          const n = await store.count(topic);
          complain(`would remove ${n} dead letters from ${where}; add --yes to remove them`);
          return EXIT_USAGE;
        }
        say(`removed ${await store.purge(topic)} dead letters from ${where}`);
        return EXIT_OK;
      }
      if (!args.yes) {
        let matching = 0;
        const { visited } = await store.walk(
          topic,
          (letter) => {
            if (reasonCode(letter.reason) === reason) matching++;
            return 'keep';
          },
          { maxKept: args.scan },
        );
        const of = `${visited} read of ${await store.count(topic)}`;
        complain(
          `would remove ${matching} dead letters (${reason}; ${of}) from ${where}; add --yes to remove them`,
        );
        return EXIT_USAGE;
      }
      const choose = chooser({ reason });
      let removed = 0;
      const walked = await store.walk(
        topic,
        (letter) => {
          if (choose(letter.reason) !== 'take') return 'keep';
          removed++;
          return 'remove';
        },
        { maxKept: args.scan },
      );
      say(`removed ${removed} dead letters (${reason}) from ${where}; left: ${await store.count(topic)}`);
      if (!walked.complete)
        say(`stopped after passing over ${args.scan} (--scan): more may match further on`);
      return EXIT_OK;
    }),
});
