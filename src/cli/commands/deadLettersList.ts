/** `pipeline dead-letters list`: how many dead letters a topic has, by reason, and the first of them. */
import { ReasonTally, recordIdOf, shortBody } from '../../core/deadLetters.js';
import { defineCommand, positiveInteger } from '../command.js';
import { deadLetterOptions, EXIT_OK, say, topicNamed, withDeadLetterStore } from '../deadLetterSetup.js';

/** A reason longer than this is cut in the listing (the full text stays with the dead letter). */
const REASON_SHOWN = 100;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const deadLettersListCommand = defineCommand({
  name: 'list',
  service: 'dead-letters',
  describe: 'count the dead letters of a topic by reason and show the first ones; leaves them all in place',
  options: {
    ...deadLetterOptions,
    limit: { type: 'number', default: 10, describe: 'dead letters shown', check: positiveInteger },
  },
  examples: [['$0 dead-letters list --transport=amqp --topic y_true', '']],
  handler: (args) =>
    withDeadLetterStore(args, async (store) => {
      const topic = topicNamed(args.topic);
      const shown = args.limit;
      const tally = new ReasonTally();
      const first: string[] = [];
      const total = await store.count(topic);
      await store.walk(
        topic,
        (letter) => {
          tally.add(letter.reason);
          if (first.length < shown) {
            const id = recordIdOf(letter.data) ?? '(no id)';
            first.push(`  ${id}  ${cut(letter.reason, REASON_SHOWN)}  ${shortBody(letter.data)}`);
          }
          return 'keep';
        },
        { maxKept: args.scan },
      );
      say(`${store.where(topic)}: ${total} dead letter${total === 1 ? '' : 's'}`);
      if (tally.size === 0) return EXIT_OK;
      const over = tally.size < total ? `the first ${tally.size} read` : `all ${tally.size}`;
      say(`by reason (${over}): ${tally.toString()}`);
      say(`first ${first.length} (id, reason, body):`);
      for (const line of first) say(line);
      return EXIT_OK;
    }),
});
