/**
 * What a quiet work-queue consumer needs, from what the server says of it. Pure: the caller asks the server and
 * acts (quietConsumer.ts).
 *
 * nats-server 2.9.10, after the node leading a consumer is killed -9, was seen to leave it
 * - stuck: it owes messages (pending, or handed out and never acknowledged) and delivers none, not even after
 *   the ack wait;
 * - stranded: it owes nothing, its ack floor is past messages that its work-queue stream still stores. Some had
 *   been processed (their deletion was lost), some never had: they would never be delivered.
 * Both are mended by deleting the durable and creating it again: a new consumer delivers what the stream stores.
 */

export interface QuietConsumer {
  /** How long nothing was delivered to this replica while it held nothing. */
  readonly quietMs: number;
  /** Quiet this long with messages owed is a stall (an ack wait and a margin). */
  readonly stalledMs: number;
  /** Undefined when the server could not say (no leader, timeout). */
  readonly consumer?: { readonly owed: number; readonly ackFloor: number };
  /**
   * The stream, when asked (only for a consumer that owes nothing): its retention, and how many messages it stores
   * on the consumer's subject (a stream may store other subjects too).
   */
  readonly stream?: { readonly workQueue: boolean; readonly stored: number };
}

export type StallVerdict =
  | { readonly kind: 'wait' }
  | { readonly kind: 'askStream' }
  | { readonly kind: 'recreate'; readonly why: string };

export function stallVerdict(q: QuietConsumer): StallVerdict {
  const stalled = q.quietMs >= q.stalledMs;
  if (q.consumer === undefined)
    return stalled ? { kind: 'recreate', why: 'the server could not say what it owes' } : { kind: 'wait' };
  const { owed, ackFloor } = q.consumer;
  if (owed > 0) return stalled ? { kind: 'recreate', why: `it owes ${owed} message(s)` } : { kind: 'wait' };
  if (q.stream === undefined) return { kind: 'askStream' };
  const { workQueue, stored } = q.stream;
  // On a work queue an acknowledged message is deleted. Owing nothing, the consumer is past every message of its
  // subject: one still stored lies below its ack floor and will never come again.
  if (workQueue && stored > 0)
    return {
      kind: 'recreate',
      why: `it owes nothing, yet its stream keeps ${stored} message(s) of its subject, below its ack floor ${ackFloor}`,
    };
  return { kind: 'wait' };
}
