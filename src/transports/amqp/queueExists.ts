/**
 * Which of some queues exist on the broker, asked on a short-lived connection of its own (a passive declare of a
 * missing queue makes RabbitMQ close the channel with 404, so each question gets a fresh channel).
 */
import { connect, type ChannelModel } from 'amqplib';
import type { TlsMaterial } from '../tlsMaterial.js';
import { amqpTlsSocketOptions, resolveAmqpUrl } from './options.js';

const isNotFound = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 404;

/** The names among `queues` that exist. */
export async function existingQueues(
  queues: readonly string[],
  options: { readonly url?: string | undefined; readonly tls?: TlsMaterial | undefined } = {},
): Promise<string[]> {
  const tls = options.tls;
  const conn: ChannelModel = await connect(resolveAmqpUrl(options.url, process.env), {
    clientProperties: { connection_name: 'partition check' },
    ...amqpTlsSocketOptions(tls),
  });
  conn.on('error', () => undefined); // a failed question is answered through its rejection
  try {
    const found: string[] = [];
    for (const name of queues) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined); // the 404 arrives as an event as well as the rejection handled here
      try {
        await ch.checkQueue(name);
        found.push(name);
        await ch.close();
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return found;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
