/**
 * The last resort for a work-queue consumer that went quiet: ask the server about it, and delete the durable when
 * stallVerdict.ts says it is stuck or stranded. The consume loop then creates it again, and the new consumer
 * delivers what the stream stores. On a work queue that loses nothing: what the consumer has not seen acknowledged
 * stays in the stream (copies that a replica still holds come twice; the metric absorbs them by id).
 */
import { RetentionPolicy, type NatsConnection } from 'nats';
import type { Logger } from '../../core/log.js';
import { CONSUMER_NOT_FOUND, jsErrorCode, jsErrorText } from './jsErrors.js';
import { stallVerdict, type QuietConsumer } from './stallVerdict.js';
import type { JetStreamTopology } from './topology.js';

/**
 * Checks `durable` of `stream`, reading `subject`, quiet for `quietMs` (nothing delivered to this replica, which
 * held nothing). Resolves true when it deleted the durable, so that the caller consumes again (which creates it
 * anew).
 */
export async function mendQuietConsumer(
  nc: NatsConnection,
  topology: JetStreamTopology,
  stream: string,
  durable: string,
  subject: string,
  timing: Pick<QuietConsumer, 'quietMs' | 'stalledMs'>,
  log: Logger,
): Promise<boolean> {
  const jsm = await topology.manager(nc);
  let q: QuietConsumer = timing;
  try {
    const info = await jsm.consumers.info(stream, durable);
    q = {
      ...q,
      consumer: { owed: info.num_pending + info.num_ack_pending, ackFloor: info.ack_floor.stream_seq },
    };
  } catch (e) {
    // Gone: the consume loop creates it again by itself.
    if (jsErrorCode(e) === CONSUMER_NOT_FOUND) return false;
    log('debug', `consumer ${durable} of stream ${stream}: ${jsErrorText(e)}`);
  }
  let verdict = stallVerdict(q);
  if (verdict.kind === 'askStream') {
    const s = await jsm.streams.info(stream, { subjects_filter: subject });
    verdict = stallVerdict({
      ...q,
      stream: {
        workQueue: s.config.retention === RetentionPolicy.Workqueue,
        stored: s.state.subjects?.[subject] ?? 0,
      },
    });
  }
  if (verdict.kind !== 'recreate') return false;
  log(
    'warn',
    `consumer ${durable} of stream ${stream} delivered nothing for ${Math.round(timing.quietMs / 1000)} s and ` +
      `${verdict.why}; deleting and creating it again (what it has not seen acknowledged stays in the stream)`,
  );
  try {
    await jsm.consumers.delete(stream, durable);
  } catch (e) {
    if (jsErrorCode(e) !== CONSUMER_NOT_FOUND) {
      log(
        'warn',
        `deleting consumer ${durable} of stream ${stream} failed: ${jsErrorText(e)}; trying again later`,
      );
      return false;
    }
  }
  return true;
}
