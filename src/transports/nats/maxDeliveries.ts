/**
 * The backstop behind `maxDeliver`. When a message has been delivered that many times without being settled
 * for good, JetStream stops delivering it but keeps it in the work-queue stream, silently. The server announces
 * it with an advisory; this watcher moves such a message to the topic's dead letters (reason: max deliveries)
 * and deletes it from the stream, so that nothing is parked out of sight. Replicas of a group listen in a
 * queue group: each advisory is handled once.
 */
import type { NatsConnection, Subscription } from 'nats';
import { errorMessage } from '../../core/errors.js';
import type { NatsContext } from './context.js';
import { deadLetterMsgId } from './names.js';
import { jsErrorCode, type JetStreamTopology } from './topology.js';

/** The server found no message at that sequence: it was acked (and removed) after all. */
const NO_MESSAGE_FOUND = 10037;

/** Stores a dead letter: bytes, reason, delivery count, message id for de-duplication. */
export type StoreDeadLetter = (
  data: Uint8Array,
  reason: string,
  deliveryCount: number,
  msgID: string,
) => Promise<void>;

interface MaxDeliverAdvisory {
  readonly stream_seq?: number;
  readonly deliveries?: number;
}

export const maxDeliveriesSubject = (stream: string, durable: string): string =>
  `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;

export function watchMaxDeliveries(
  ctx: NatsContext,
  topology: JetStreamTopology,
  nc: NatsConnection,
  stream: string,
  durable: string,
  store: StoreDeadLetter,
): Subscription {
  const handle = async (adv: MaxDeliverAdvisory): Promise<void> => {
    const seq = adv.stream_seq;
    if (seq === undefined) return;
    const jsm = await topology.manager(nc);
    let data: Uint8Array;
    try {
      data = (await jsm.streams.getMessage(stream, { seq })).data;
    } catch (e) {
      if (jsErrorCode(e) === NO_MESSAGE_FOUND) return;
      throw e;
    }
    const deliveries = adv.deliveries ?? ctx.o.maxDeliver;
    await store(data, `exceeded max deliveries (${deliveries})`, deliveries, deadLetterMsgId(stream, seq));
    await jsm.streams.deleteMessage(stream, seq, false);
    ctx.log(
      'warn',
      `message ${seq} of ${stream} was delivered ${deliveries} times: moved to its dead letters`,
    );
  };
  return nc.subscribe(maxDeliveriesSubject(stream, durable), {
    queue: `${durable}_max_deliveries`,
    callback: (err, msg) => {
      if (err !== null) {
        ctx.log('warn', `max-deliveries advisories of ${stream}: ${errorMessage(err)}`);
        return;
      }
      let adv: MaxDeliverAdvisory;
      try {
        adv = JSON.parse(new TextDecoder().decode(msg.data)) as MaxDeliverAdvisory;
      } catch {
        return;
      }
      handle(adv).catch((e: unknown) =>
        ctx.log('warn', `could not dead-letter message ${adv.stream_seq} of ${stream}: ${errorMessage(e)}`),
      );
    },
  });
}
