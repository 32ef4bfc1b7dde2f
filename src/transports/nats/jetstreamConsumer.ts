/**
 * A durable JetStream pull consumer as an observable of deliveries.
 *
 * - Replicas of a group share one durable consumer (pull consumers need no deliver group to be shared).
 * - The server bounds the unsettled deliveries by the consumer's max_ack_pending (= prefetch).
 * - While the consumer is subscribed, the deliveries it holds are kept alive with `working()` every third of
 *   the ack wait, so the metric join may hold a message as long as it likes; after a crash they come back
 *   after one ack wait.
 * - Unsubscribing (or close) naks what is still unsettled, so another replica gets it at once; settling it
 *   afterwards is a no-op.
 * - A consumer deleted under us, a stream gone, missed heartbeats, or nothing heard for three pull periods
 *   (see SilenceWatch): the stream and consumer are created again and consuming resumes. Other failures retry with
 *   backoff; a configuration conflict errors.
 * - A work-queue consumer that delivers nothing while this replica holds none of its messages is looked at now and
 *   then: stuck (it owes messages and delivered none for an ack wait and 5 s, or the server cannot say) or
 *   stranded (its stream keeps messages below its ack floor), it is deleted and created again (stallVerdict.ts).
 */
import { ConsumerEvents, type ConsumerMessages, type JsMsg, type Subscription } from 'nats';
import type { Observable } from 'rxjs';
import { TransportClosedError, type Delivery } from '../../core/transport.js';
import { errorMessage } from '../../core/errors.js';
import type { ConsumerHandle, NatsContext } from './context.js';
import { headerSafeReason, readDeadLetterReason } from './deadLetter.js';
import {
  consumerConfig,
  deadLetterMsgId,
  legacySubjectOf,
  redeliveryDelayMs,
  subjectOf,
  type StreamKind,
} from './names.js';
import { watchMaxDeliveries, type StoreDeadLetter } from './maxDeliveries.js';
import { backoffDelayMs } from './options.js';
import { SilenceWatch } from './silenceWatch.js';
import { mendQuietConsumer } from './quietConsumer.js';
import { NatsTopologyError, type JetStreamTopology } from './topology.js';
import { jsErrorText } from './jsErrors.js';
import { toError } from '../../core/errors.js';

export interface JetStreamConsumeParams {
  readonly topic: string;
  readonly kind: StreamKind;
  readonly group: string;
  readonly prefetch: number;
  /** Stores a message in its topic's dead-letter stream; resolves once stored there. */
  readonly deadLetter: StoreDeadLetter;
}

/**
 * Every nak carries a delay. nats-server 2.9 mishandles an immediate nak while pull requests are waiting: one
 * redelivery went to a stale pull request (back only after the ack wait) and another message was delivered
 * twice. Redeliveries scheduled through its timer are handled correctly.
 */
const RELEASE_NAK_DELAY_MS = 100;

/** Pull requests expire after this; idle heartbeats come every half of it, so a dead consumer is noticed soon. */
const PULL_EXPIRES_MS = 10_000;

/** Pull periods in a row with nothing heard, not even an expiry, after which the consumer is re-created. */
const SILENT_PERIODS = 3;

/** A quiet work-queue consumer is looked at every QUIET_TICKS_PER_CHECK ticks of this (shorter for short ack waits). */
const QUIET_TICK_MS = 5_000;
const QUIET_TICKS_PER_CHECK = 2;

/** Beyond the ack wait, by which messages whose acks were lost with a dead leader are delivered again. */
const STALL_MARGIN_MS = 5_000;

const RECREATE_EVENTS: ReadonlySet<string> = new Set([
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.HeartbeatsMissed,
  ConsumerEvents.NoResponders,
]);

/** What a delivery needs of the consumer that handed it out. */
interface DeliveryOwner {
  readonly p: JetStreamConsumeParams;
  /** Handed out and not yet settled. */
  readonly outstanding: ReadonlySet<JsMsg>;
  /** Runs `fn` (ack, nak, term) if `m` is still outstanding, and forgets it. */
  settle(m: JsMsg, what: string, fn: () => void): void;
  /** Runs `fn`, logging instead of throwing: the connection may be going away. */
  quietly(what: string, fn: () => void): void;
  readonly log: NatsContext['log'];
}

/** One JetStream delivery. A class rather than an object of closures: thousands are handed out a second. */
class JsDelivery implements Delivery {
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  readonly deadLetterReason: string | undefined;

  constructor(
    private readonly owner: DeliveryOwner,
    private readonly m: JsMsg,
  ) {
    this.redelivered = m.redelivered;
    this.deliveryCount = m.info.deliveryCount;
    this.deadLetterReason = owner.p.kind === 'deadLetter' ? readDeadLetterReason(m.headers) : undefined;
  }

  get topic(): string {
    return this.owner.p.topic;
  }

  get data(): Uint8Array {
    return this.m.data;
  }

  ack(): void {
    const m = this.m;
    this.owner.settle(m, 'ack', () => m.ack());
  }

  nack(): void {
    const m = this.m;
    this.owner.settle(m, 'nak', () => m.nak(redeliveryDelayMs(this.deliveryCount)));
  }

  working(): void {
    const m = this.m;
    if (this.owner.outstanding.has(m)) this.owner.quietly('working', () => m.working());
  }

  async deadLetter(reason: string): Promise<void> {
    const { owner, m } = this;
    const p = owner.p;
    if (!owner.outstanding.has(m)) return;
    if (p.kind === 'deadLetter') {
      owner.log(
        'warn',
        `dropping a dead letter of ${p.topic} that failed again: ${headerSafeReason(reason)}`,
      );
    } else {
      await p.deadLetter(m.data, reason, this.deliveryCount, deadLetterMsgId(m.info.stream, m.seq));
    }
    // term: never redelivered, whatever max_deliver says. Without a reason: nats-server 2.9 ignores a
    // "+TERM <reason>" entirely (the reason travels in the dead letter's headers anyway).
    owner.settle(m, 'term', () => m.term());
  }
}

export function consumeJetStream(
  ctx: NatsContext,
  topology: JetStreamTopology,
  p: JetStreamConsumeParams,
): Observable<Delivery> {
  const subject = subjectOf(p.topic, p.kind);
  const cfg = consumerConfig(p.topic, p.kind, p.group, p.prefetch, ctx.o);
  return ctx.consumer<Delivery>((subscriber) => {
    let taking = true;
    let messages: ConsumerMessages | undefined;
    let advisories: Subscription | undefined;
    const outstanding = new Set<JsMsg>();

    const quietly = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        // The connection is closing or gone: the server will redeliver.
        ctx.log('debug', `${what} on ${subject}: ${errorMessage(e)}`);
      }
    };
    const settle = (m: JsMsg, what: string, fn: () => void): void => {
      if (outstanding.delete(m)) quietly(what, fn);
    };
    const nakOutstanding = (): void => {
      for (const m of outstanding) quietly('nak', () => m.nak(RELEASE_NAK_DELAY_MS));
      outstanding.clear();
    };

    const owner: DeliveryOwner = { p, outstanding, settle, quietly, log: ctx.log };

    // A work queue whose consumer went quiet (nothing delivered to this replica, which holds nothing) is looked at
    // every other tick: stranded messages are mended soon, a stuck consumer once quiet for an ack wait and a margin
    // (35 s by default, seen at 40 s, under the metric's 60 s wait for a partner), by which messages whose acks
    // were lost with a dead leader have come again. Work queues only: deleting their consumer loses nothing.
    const stalledMs = ctx.o.ackWaitMs + Math.min(STALL_MARGIN_MS, ctx.o.ackWaitMs);
    const tickMs = Math.min(QUIET_TICK_MS, stalledMs / 5);
    // Deliveries are heard; so is every tick at which this replica holds some, or cannot hear anything.
    const quiet = new SilenceWatch(QUIET_TICKS_PER_CHECK);
    /** The stream the consumer was last ensured on: what a check asks about. */
    let ensuredStream: string | undefined;
    let checking = false;
    const quietCheck =
      p.kind === 'queue'
        ? setInterval(() => {
            // Stopping: what is not taken any more is not stalled.
            if (!taking) return;
            if (outstanding.size > 0 || ctx.conn.state !== 'connected') quiet.heard();
            if (!quiet.tick() || quiet.quietTicks % QUIET_TICKS_PER_CHECK !== 0) return;
            const nc = ctx.conn.current;
            if (checking || nc === undefined || ensuredStream === undefined) return;
            const timing = { quietMs: quiet.quietTicks * tickMs, stalledMs };
            checking = true;
            mendQuietConsumer(nc, topology, ensuredStream, cfg.durable_name, subject, timing, ctx.log)
              .then((deleted) => {
                if (!deleted) return;
                quiet.restart();
                topology.forget(p.topic, p.kind);
                void messages?.close();
              })
              .catch((e: unknown) => ctx.log('debug', `check of ${subject}: ${errorMessage(e)}`))
              .finally(() => (checking = false));
          }, tickMs)
        : undefined;

    const keepAlive = setInterval(
      () => {
        for (const m of outstanding) quietly('working', () => m.working());
      },
      Math.max(100, ctx.o.ackWaitMs / 3),
    );

    const handle: ConsumerHandle = {
      stopTaking: () => {
        taking = false;
        void messages?.close();
      },
      releaseOutstanding: nakOutstanding,
      finish: () => subscriber.complete(),
    };

    const watch = async (msgs: ConsumerMessages, silence: SilenceWatch): Promise<void> => {
      for await (const s of await msgs.status()) {
        silence.heard();
        if (!RECREATE_EVENTS.has(s.type)) continue;
        ctx.log('warn', `consumer of ${subject}: ${s.type} (${JSON.stringify(s.data)}); re-creating it`);
        topology.forget(p.topic, p.kind);
        // Ends the loop below, which ensures the stream and consumer and consumes again.
        await msgs.close();
        return;
      }
    };

    const run = async (): Promise<void> => {
      for (let failures = 0; taking;) {
        // What was under way when a failure came: the warning says which request the server refused.
        let step = 'connecting';
        try {
          const nc = await ctx.conn.connected();
          step = 'ensuring the stream';
          const stream = await topology.stream(nc, p.topic, p.kind);
          ensuredStream = stream;
          step = 'ensuring the consumer';
          await topology.consumer(nc, stream, cfg, legacySubjectOf(p.topic, p.kind));
          if (p.kind === 'queue') {
            advisories?.unsubscribe();
            advisories = watchMaxDeliveries(ctx, topology, nc, stream, cfg.durable_name, p.deadLetter);
          }
          step = 'reading the consumer';
          const consumer = await topology.client(nc).consumers.get(stream, cfg.durable_name);
          if (!taking) return;
          step = 'pulling';
          const msgs = await consumer.consume({ max_messages: p.prefetch, expires: PULL_EXPIRES_MS });
          messages = msgs;
          const silence = new SilenceWatch(SILENT_PERIODS);
          void watch(msgs, silence).catch((e: unknown) =>
            ctx.log('debug', `status of ${subject}: ${errorMessage(e)}`),
          );
          const watchdog = setInterval(() => {
            // Disconnected, nothing can be heard: the reconnect's own reset is nats.js's to do.
            if (ctx.conn.state !== 'connected') silence.heard();
            if (!silence.tick()) return;
            ctx.log(
              'warn',
              `consumer of ${subject}: nothing heard for ${(SILENT_PERIODS * PULL_EXPIRES_MS) / 1000} s, not even ` +
                'a pull request expiring; re-creating it',
            );
            topology.forget(p.topic, p.kind);
            void msgs.close();
          }, PULL_EXPIRES_MS);
          try {
            for await (const m of msgs) {
              failures = 0;
              silence.heard();
              quiet.heard();
              if (!taking) {
                // Pulled before we stopped: give it back now rather than after an ack wait.
                quietly('nak', () => m.nak(RELEASE_NAK_DELAY_MS));
                continue;
              }
              outstanding.add(m);
              subscriber.next(new JsDelivery(owner, m));
            }
          } finally {
            clearInterval(watchdog);
          }
          if (taking) await ctx.conn.sleep(backoffDelayMs(failures++, ctx.o));
        } catch (e) {
          if (!taking) return;
          if (e instanceof TransportClosedError || e instanceof NatsTopologyError) throw e;
          ctx.log('warn', `consumer of ${subject} failed ${step}, retrying: ${jsErrorText(e)}`);
          await ctx.conn.sleep(backoffDelayMs(failures++, ctx.o));
        }
      }
    };
    run().catch((e: unknown) => {
      if (taking) subscriber.error(toError(e));
    });

    const teardown = (): void => {
      handle.stopTaking();
      advisories?.unsubscribe();
      clearInterval(keepAlive);
      clearInterval(quietCheck);
      nakOutstanding();
    };
    return { handle, teardown };
  });
}
