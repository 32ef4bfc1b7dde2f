/**
 * Which of some queue topics have their JetStream stream on the server, asked on a short-lived connection of its
 * own (the streams named as the transport names them: see names.ts).
 */
import { connect } from 'nats';
import type { TlsMaterial } from '../tlsMaterial.js';
import { natsConnectOptions } from './connectOptions.js';
import { jsErrorCode } from './jsErrorCode.js';
import { streamName } from './names.js';
import { resolveNatsOptions } from './options.js';

const STREAM_NOT_FOUND = 10059;

/** The names among `topics` whose stream exists. */
export async function topicsWithStreams(
  topics: readonly string[],
  options: { readonly url?: string | undefined; readonly tls?: TlsMaterial | undefined } = {},
): Promise<string[]> {
  const o = resolveNatsOptions(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    },
    process.env,
  );
  const nc = await connect({ ...natsConnectOptions(o, () => 1000), name: 'partition check' });
  try {
    const jsm = await nc.jetstreamManager();
    const found: string[] = [];
    for (const topic of topics) {
      try {
        await jsm.streams.info(streamName(o.streamPrefix, topic, 'queue'));
        found.push(topic);
      } catch (e) {
        if (jsErrorCode(e) !== STREAM_NOT_FOUND) throw e;
      }
    }
    return found;
  } finally {
    await nc.close();
  }
}
