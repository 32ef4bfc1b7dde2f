/**
 * `pipeline dead-letters replay`: publishes dead letters back to their topic, bytes unchanged, each removed from
 * the dead letters only once its publish is confirmed (interrupted, it loses nothing; it may publish one twice,
 * which the metric absorbs by record id).
 */
import { chooser, ReasonTally } from '../../core/deadLetters.js';
import { defineCommand, positiveInteger } from '../command.js';
import {
  deadLetterOptions,
  EXIT_OK,
  reasonOption,
  say,
  topicNamed,
  withDeadLetterStore,
} from '../deadLetterSetup.js';

/** A line of progress every so many replays, for long runs. */
const PROGRESS_EVERY = 1_000;

export const deadLettersReplayCommand = defineCommand({
  name: 'replay',
  service: 'dead-letters',
  describe:
    'publish dead letters back to their topic (oldest first), removing each once its publish is confirmed',
  options: {
    ...deadLetterOptions,
    reason: reasonOption,
    limit: { type: 'number', describe: 'replay at most this many [default: all]', check: positiveInteger },
  },
  examples: [
    ['$0 dead-letters replay --transport=amqp --topic y_true --reason unmatched', 'the unmatched ones only'],
    ['$0 dead-letters replay --transport=nats --topic features --limit 100', 'the 100 oldest'],
  ],
  handler: (args) =>
    withDeadLetterStore(args, async (store) => {
      const topic = topicNamed(args.topic);
      const choose = chooser({ reason: args.reason, limit: args.limit });
      const replayed = new ReasonTally();
      const walked = await store.walk(
        topic,
        (letter) => {
          const choice = choose(letter.reason);
          if (choice !== 'take') return choice;
          replayed.add(letter.reason);
          if (replayed.size % PROGRESS_EVERY === 0) say(`… ${replayed.size} replayed so far`);
          return 'replay';
        },
        { maxKept: args.scan },
      );
      const left = await store.count(topic);
      say(`replayed ${replayed.size} to ${topic.name} (by reason: ${replayed.toString()})`);
      if (args.reason !== undefined) say(`passed over, in place: ${walked.kept} with other reasons`);
      if (!walked.complete)
        say(`stopped after passing over ${args.scan} (--scan): more may match further on`);
      say(`left in ${store.where(topic)}: ${left}`);
      return EXIT_OK;
    }),
});
