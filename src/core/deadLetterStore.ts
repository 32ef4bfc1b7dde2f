/**
 * The dead letters of a queue topic where a broker keeps them (RabbitMQ: the queue `<topic>.dead_letter`;
 * JetStream: the stream `PIPELINE_<topic>_dead_letter`), for `pipeline dead-letters`: count them, read them in
 * place, replay them to their topic, remove them.
 *
 * Contract:
 * - `walk` visits the dead letters that were there when it began, oldest first, and does with each what `visit`
 *   answers. `replay` publishes the bytes unchanged to the topic and removes the dead letter only once the broker
 *   has confirmed that publish: a walk cut short anywhere (kill -9, lost connection) loses nothing, and may leave
 *   a dead letter behind that was already published (the next replay publishes it again; the metric absorbs the
 *   copy by record id). `remove` removes it. `keep` leaves it where it was, in its place in the order.
 * - Any broker failure rejects: a store does not reconnect, since a person is waiting for the answer.
 */
import type { Topic } from './topics.js';

export interface StoredDeadLetter {
  /** The message exactly as it was first published. */
  readonly data: Uint8Array;
  /** Why it was dead-lettered, starting with its code (see deadLetters.ts). */
  readonly reason: string;
}

export type DeadLetterAction = 'replay' | 'remove' | 'keep' | 'stop';

export interface WalkOptions {
  /**
   * Most dead letters the walk leaves in place (`keep`) before it stops. RabbitMQ can read a message without
   * removing it only by holding it unacknowledged until the end of the walk, so this bounds what the walk holds.
   */
  readonly maxKept: number;
}

export interface WalkResult {
  /** Dead letters visited (each `visit` call). */
  readonly visited: number;
  /** Of those, left in place (`keep`, `stop`). */
  readonly kept: number;
  /** False when the walk ended at `maxKept` before it had seen every dead letter that was there at its start. */
  readonly complete: boolean;
}

export interface DeadLetterStore {
  /** Where the dead letters of `topic` live, for messages: a queue or stream name. */
  where(topic: Topic): string;
  /** How many dead letters `topic` has now; 0 when their queue or stream does not exist (yet). */
  count(topic: Topic): Promise<number>;
  walk(
    topic: Topic,
    visit: (letter: StoredDeadLetter) => DeadLetterAction,
    options: WalkOptions,
  ): Promise<WalkResult>;
  /** Removes every dead letter of `topic` at once; resolves with how many were removed. */
  purge(topic: Topic): Promise<number>;
  close(): Promise<void>;
}
