/** A plain connection (no recovery) to the first broker of a list that takes it, for short-lived tools. */
import { connect, type ChannelModel, type SocketOptions } from 'amqplib';
import { AMQP_DEFAULTS } from './options.js';

/**
 * The first URL of the list that connects; if none does, the last one's error (someone waits: no backoff). Each
 * attempt is bounded by `AMQP_DEFAULTS.connectTimeoutMs` unless `socketOptions.timeout` says otherwise.
 */
export async function connectFirst(
  urls: readonly string[],
  socketOptions: SocketOptions,
): Promise<ChannelModel> {
  let last: unknown;
  for (const url of urls) {
    try {
      return await connect(url, { timeout: AMQP_DEFAULTS.connectTimeoutMs, ...socketOptions });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
