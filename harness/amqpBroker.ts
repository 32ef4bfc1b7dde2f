/**
 * Raw-amqplib helpers for the RabbitMQ specs: what a test does behind the transport's back (as pika would), and
 * cleaning up what the tests declared.
 */
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { deadLetterTopicName } from '../src/core/topics.js';
import { AMQP_URL } from './brokers.js';

/** Runs `use` on a raw channel of a fresh connection; channel errors become rejections, never crashes. */
export async function withRawChannel<T>(use: (ch: Channel) => Promise<T>): Promise<T> {
  return useRawChannel(await connect(AMQP_URL), use);
}

/**
 * Runs `use` on a new channel of `conn`, then closes `conn` whatever happened: the caller hands over a connection
 * it opened for this alone (to the shared broker, or to a node of a cluster of its own). Errors of the connection
 * and channel become rejections of `use`'s calls, never crashes.
 */
export async function useRawChannel<T>(conn: ChannelModel, use: (ch: Channel) => Promise<T>): Promise<T> {
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    return await use(ch);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Deletes the queues and exchanges of these topics, their dead letters included. Missing ones are fine. */
export async function deleteTopics(topicNames: string[]): Promise<void> {
  if (topicNames.length === 0) return;
  const conn = await connect(AMQP_URL);
  conn.on('error', () => undefined);
  try {
    for (const name of topicNames) {
      const dead = deadLetterTopicName(name);
      for (const op of [
        (ch: Channel) => ch.deleteQueue(name),
        (ch: Channel) => ch.deleteQueue(dead),
        (ch: Channel) => ch.deleteQueue(deadLetterTopicName(dead)),
        (ch: Channel) => ch.deleteExchange(name),
      ]) {
        // A fresh channel each time: a failed operation closes its channel.
        const ch = await conn.createChannel();
        ch.on('error', () => undefined);
        await op(ch).catch(() => undefined);
        await ch.close().catch(() => undefined);
      }
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** The test broker's URL with its port replaced (to go through a proxy), credentials kept. */
export function amqpUrlVia(port: number): string {
  const u = new URL(AMQP_URL);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

export const brokerAddress = (): { host: string; port: number } => {
  const u = new URL(AMQP_URL);
  return { host: u.hostname, port: Number(u.port || 5672) };
};
