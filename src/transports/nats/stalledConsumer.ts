/**
 * The last resort for a work-queue consumer that owes messages and hands none out. nats-server 2.9 can leave a
 * consumer in that state after its leader is killed: once with no leader for minutes (every request about it
 * answered "503"), once with a leader that delivered nothing more while thousands of messages waited. Neither
 * re-pulling nor re-subscribing helps; deleting the durable and creating it again does, and on a work queue it loses
 * nothing: what the consumer has not seen acknowledged stays in the stream and is delivered by the new one (copies
 * that a replica still holds come twice; the metric absorbs them by id).
 */
import type { NatsConnection } from 'nats';
import type { Logger } from '../../core/log.js';
import { errorMessage } from '../../core/errors.js';
import { jsErrorCode, jsErrorText } from './jsErrorCode.js';
import type { JetStreamTopology } from './topology.js';

const CONSUMER_NOT_FOUND = 10014;

/**
 * Called when `durable` of `stream` has delivered nothing for `stalledMs` to a replica that holds none of its
 * messages. Deletes the durable when it owes messages, or when the server cannot say (its info fails): resolves
 * true when it did, so that the caller consumes again (which creates the consumer anew). An idle consumer, owing
 * nothing, is left alone.
 */
export async function deleteIfStalled(
  nc: NatsConnection,
  topology: JetStreamTopology,
  stream: string,
  durable: string,
  stalledMs: number,
  log: Logger,
): Promise<boolean> {
  const jsm = await topology.manager(nc);
  let why: string;
  try {
    const info = await jsm.consumers.info(stream, durable);
    const owed = info.num_pending + info.num_ack_pending;
    if (owed === 0) return false;
    why = `it owes ${owed} message(s)`;
  } catch (e) {
    // Gone: the consume loop creates it again by itself.
    if (jsErrorCode(e) === CONSUMER_NOT_FOUND) return false;
    why = `asking about it failed (${jsErrorText(e)})`;
  }
  log(
    'warn',
    `consumer ${durable} of stream ${stream} delivered nothing for ${Math.round(stalledMs / 1000)} s and ${why}; ` +
      'deleting and creating it again (what it has not seen acknowledged stays in the stream)',
  );
  try {
    await jsm.consumers.delete(stream, durable);
  } catch (e) {
    if (jsErrorCode(e) !== CONSUMER_NOT_FOUND) {
      log(
        'warn',
        `deleting consumer ${durable} of stream ${stream} failed: ${errorMessage(e)}; trying again later`,
      );
      return false;
    }
  }
  return true;
}
