/** A plain connection (no recovery) to the first broker of a list that takes it, for short-lived tools. */
import { connect, type ChannelModel, type SocketOptions } from 'amqplib';

/** The first URL of the list that connects; if none does, the last one's error (someone waits: no backoff). */
export async function connectFirst(
  urls: readonly string[],
  socketOptions: SocketOptions,
): Promise<ChannelModel> {
  let last: unknown;
  for (const url of urls) {
    try {
      return await connect(url, socketOptions);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
