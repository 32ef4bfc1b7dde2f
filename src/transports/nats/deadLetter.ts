/**
 * Dead-letter message headers. A dead letter carries the original bytes unchanged; why and where it came from
 * travel in headers, so a replay tool can publish the body back as it was. Pure.
 */
import { headers, type MsgHdrs } from 'nats';
import { redactText } from '../../core/redact.js';

export const DEAD_LETTER_REASON_HEADER = 'Dead-Letter-Reason';
export const ORIGINAL_TOPIC_HEADER = 'Original-Topic';
export const ORIGINAL_DELIVERY_COUNT_HEADER = 'Original-Delivery-Count';

/** Longest reason kept: a header is no place for a stack trace. */
export const MAX_REASON_LENGTH = 1024;

/** A header-safe reason: one line (headers cannot carry CR/LF), bounded, with credentials redacted. */
export function headerSafeReason(reason: string): string {
  const line = redactText(reason)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const text = line === '' ? 'unspecified' : line;
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

export function deadLetterHeaders(reason: string, topic: string, deliveryCount: number): MsgHdrs {
  const h = headers();
  h.set(DEAD_LETTER_REASON_HEADER, headerSafeReason(reason));
  h.set(ORIGINAL_TOPIC_HEADER, topic);
  h.set(ORIGINAL_DELIVERY_COUNT_HEADER, String(deliveryCount));
  return h;
}

/** The reason a dead letter carries; a message without one was published there by someone else. */
export function readDeadLetterReason(h: MsgHdrs | undefined): string {
  const reason = h?.get(DEAD_LETTER_REASON_HEADER) ?? '';
  return reason === '' ? 'unknown (no Dead-Letter-Reason header)' : reason;
}
