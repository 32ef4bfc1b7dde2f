/**
 * Streams created by older versions stored the bare topic names (`features`, `features.dead_letter`…), the very
 * subjects core mode publishes on, so a core-mode run filled them (see names.ts). At start, JetStream mode moves
 * such a stream of its own (same name) to the current subjects:
 *
 * 1. the stream's subjects are updated in place (`features` becomes `pipeline.features`): from then on core
 *    publishes are no longer stored, and the stream keeps its name, limits and dead letters;
 * 2. a durable consumer still reading the old subject is deleted and created again on the new one (its unacked
 *    messages stay in the stream: nothing is lost with it);
 * 3. the messages stored under the old subject, which no consumer reads any more, are moved: each is published
 *    again on the new subject (same body, same headers), then deleted from the old one once the copy is
 *    acknowledged. The copy's message id is the stream and its old sequence, so two services moving the same
 *    message at once store it once; a crash between publish and delete leaves a copy that the next start moves
 *    again, and the metric absorbs a record seen twice by its id. Nothing stored is dropped, core-mode records
 *    that piled up included: purge the streams before upgrading to drop those.
 *
 * Step 3 runs at every start, so a move cut short by a crash is finished by the next one.
 */
import { headers, type JetStreamClient, type JetStreamManager, type MsgHdrs, type StoredMsg } from 'nats';
import type { Logger } from '../../core/log.js';
import { jsErrorCode } from './jsErrors.js';

/** nats-server's `err_code`s: nothing stored under that subject; the message is gone already. */
const NO_MESSAGE_FOUND = 10037;
const SEQUENCE_NOT_FOUND = 10043;
/** Set by the server on a stored message that was published with a message id: the copy gets its own. */
const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * The subjects a stream should have once `legacy` is replaced by `current`, or undefined when it does not store
 * `legacy` (nothing to migrate). Other subjects it stores are kept.
 */
export function migratedSubjects(
  subjects: readonly string[] | undefined,
  legacy: string,
  current: string,
): string[] | undefined {
  if (subjects === undefined || !subjects.includes(legacy)) return undefined;
  return [...new Set(subjects.map((s) => (s === legacy ? current : s)))];
}

/** Message id of the moved copy of message `seq` of `stream`. */
export const movedMsgId = (stream: string, seq: number): string => `${stream}:moved:${seq}`;

function copyHeaders(from: MsgHdrs | undefined): MsgHdrs | undefined {
  if (from === undefined) return undefined;
  const to = headers();
  let any = false;
  for (const key of from.keys()) {
    if (key === MSG_ID_HEADER) continue;
    for (const value of from.values(key)) {
      to.append(key, value);
      any = true;
    }
  }
  return any ? to : undefined;
}

/** Message `seq` of `stream`, or undefined when it is gone (acked, deleted, moved by another service). */
async function messageAt(jsm: JetStreamManager, stream: string, seq: number): Promise<StoredMsg | undefined> {
  try {
    return await jsm.streams.getMessage(stream, { seq });
  } catch (e) {
    if (jsErrorCode(e) === NO_MESSAGE_FOUND) return undefined;
    throw e;
  }
}

/**
 * Moves every message `stream` holds under `legacy` to `current` (step 3 above); resolves with how many it moved.
 * One info request when there is nothing to move. The stored messages are read by sequence, oldest first, up to
 * the last one stored when the move began (later ones are on the new subject already). Not by "last message of
 * the subject": nats-server 2.9 answers that with "no message found" once the subject's last message is deleted.
 */
export async function moveLegacyMessages(
  jsm: JetStreamManager,
  js: JetStreamClient,
  stream: string,
  legacy: string,
  current: string,
  log: Logger,
): Promise<number> {
  const info = await jsm.streams.info(stream, { subjects_filter: legacy });
  const waiting = info.state.subjects?.[legacy] ?? 0;
  if (waiting === 0) return 0;
  log('info', `stream ${stream}: moving ${waiting} message(s) stored under ${legacy} to ${current}`);
  let moved = 0;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && moved < waiting; seq++) {
    const m = await messageAt(jsm, stream, seq);
    if (m === undefined || m.subject !== legacy) continue;
    const h = copyHeaders(m.header);
    await js.publish(current, m.data, { msgID: movedMsgId(stream, m.seq), ...(h ? { headers: h } : {}) });
    await jsm.streams.deleteMessage(stream, m.seq).catch((e: unknown) => {
      // Another service moving the same stream deleted it first.
      if (jsErrorCode(e) !== SEQUENCE_NOT_FOUND) throw e;
    });
    moved++;
  }
  log('info', `stream ${stream}: moved ${moved} message(s) from ${legacy} to ${current}`);
  return moved;
}
