/**
 * Ownership of a metric partition on RabbitMQ: an exclusive queue named after the partition, held on a connection
 * of its own. RabbitMQ lets one connection at a time declare an exclusive queue (another gets 405
 * RESOURCE_LOCKED) and deletes it when that connection closes, a SIGKILL'd process included (the kernel closes
 * its socket) or, for a host that vanished, when heartbeats stop. So:
 * - the first metric of partition p holds the lease and consumes; a second one retries every `retryMs` and
 *   neither consumes nor opens the log meanwhile;
 * - when the owner dies, the next one to retry takes the lease, opens the log (reading the rows the dead owner
 *   wrote, so none is written twice) and consumes what the broker gives back.
 * The partition queues' single active consumer is a second guard for the consuming itself.
 *
 * The lease is lost when its connection breaks: `lost` then resolves and the metric must stop (its rows may be
 * written by the next owner); a restart waits for the lease again.
 */
import { connect, type ChannelModel } from 'amqplib';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { abortableSleep } from '../../core/abortableSleep.js';
import type { TlsMaterial } from '../tlsMaterial.js';
import { amqpTlsSocketOptions, resolveAmqpUrl, withHeartbeat } from './options.js';

export interface AmqpLeaseOptions {
  /** Broker URL. @default AMQP_URL, else RABBITMQ_HOST, else localhost (as the transport) */
  readonly url?: string | undefined;
  readonly tls?: TlsMaterial | undefined;
  /** The exclusive queue that stands for the lease. */
  readonly name: string;
  /** Pause between two attempts while another process holds the lease. @default 1000 */
  readonly retryMs?: number;
  /** Aborting stops waiting: `acquireAmqpLease` then resolves to undefined. */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface AmqpLease {
  /** Resolves, with why, when the lease's connection breaks; never once `release()` was called. */
  readonly lost: Promise<Error>;
  /** Gives the lease up (closes its connection). Idempotent. */
  release(): Promise<void>;
}

const HEARTBEAT_SECONDS = 5;
const isResourceLocked = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 405;

/** Waits until this process holds the lease (or `signal` aborts: undefined). */
export async function acquireAmqpLease(options: AmqpLeaseOptions): Promise<AmqpLease | undefined> {
  const url = withHeartbeat(resolveAmqpUrl(options.url, process.env), HEARTBEAT_SECONDS);
  const tls = options.tls;
  let told = false;
  while (!options.signal.aborted) {
    let conn: ChannelModel | undefined;
    try {
      conn = await connect(url, {
        clientProperties: { connection_name: `lease ${options.name}` },
        ...amqpTlsSocketOptions(tls),
      });
      conn.on('error', () => undefined); // reported through 'close' below
      const ch = await conn.createChannel();
      ch.on('error', () => undefined); // a 405 arrives as an event as well as the rejection handled here
      await ch.assertQueue(options.name, { exclusive: true, durable: false, autoDelete: true });
      return held(conn);
    } catch (e) {
      await conn?.close().catch(() => undefined);
      if (!told) {
        const why = isResourceLocked(e) ? 'another process holds it' : errorMessage(e);
        options.log('info', `waiting for the lease ${options.name}: ${why}`);
        told = true;
      }
      await abortableSleep(options.retryMs ?? 1000, options.signal);
    }
  }
  return undefined;
}

function held(conn: ChannelModel): AmqpLease {
  let released = false;
  const lost = new Promise<Error>((resolve) => {
    conn.on('close', (e?: unknown) => {
      if (!released)
        resolve(
          new Error(`lost the partition lease: ${e === undefined ? 'connection closed' : errorMessage(e)}`),
        );
    });
  });
  return {
    lost,
    release: async () => {
      if (released) return;
      released = true;
      await conn.close().catch(() => undefined);
    },
  };
}
