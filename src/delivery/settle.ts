/**
 * Settling deliveries that could not be processed. Failures are reported as events, never swallowed, and a
 * failure to settle (the broker went away mid-way) cannot crash a service: the message stays unacked and the
 * broker redelivers it.
 */
import type { Delivery } from '../core/transport.js';
import { MAX_ATTEMPTS, type ServiceEvent } from './serviceEvents.js';
import { errorMessage } from '../core/errors.js';
import { codedReason } from '../core/deadLetters.js';
import type { RecordId } from '../core/envelope.js';
import { validateId } from '../core/codec.js';

/** Bodies read for an id to log: a dead letter's id is worth a parse, not a megabyte's. */
const MAX_PEEK_BYTES = 64 * 1024;

/** The id of a message that failed its checks, when it has a readable one (for the log), else undefined. */
export function peekId(delivery: Delivery): RecordId | undefined {
  let candidate: unknown = delivery.envelope?.id;
  if (delivery.envelope === undefined && delivery.data.byteLength <= MAX_PEEK_BYTES) {
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(delivery.data));
      if (typeof parsed === 'object' && parsed !== null && 'id' in parsed) candidate = parsed.id;
    } catch {
      return undefined;
    }
  }
  const id = validateId(candidate);
  return id.ok ? id.value : undefined;
}

/**
 * Moves a message that can never be processed to the dead-letter destination, with its reason. The stored reason
 * starts with the code (`not_json: …`), so that `pipeline dead-letters` can count and pick dead letters by code.
 */
export async function deadLetter(delivery: Delivery, code: string, reason: string): Promise<ServiceEvent> {
  try {
    await delivery.deadLetter(codedReason(code, reason));
  } catch (error) {
    delivery.nack();
    return {
      kind: 'retried',
      topic: delivery.topic,
      reason: `dead-lettering failed: ${errorMessage(error)}`,
    };
  }
  const id = peekId(delivery);
  return id === undefined
    ? { kind: 'dead-lettered', topic: delivery.topic, code, reason }
    : { kind: 'dead-lettered', topic: delivery.topic, id, code, reason };
}

/**
 * Processing failed with an error that may pass (a publish rejected, a write failed): nack for a retry, unless
 * the message has failed MAX_ATTEMPTS times, then dead-letter it with the last error.
 */
export async function retryOrDeadLetter(delivery: Delivery, error: unknown): Promise<ServiceEvent> {
  const reason = errorMessage(error);
  if (delivery.deliveryCount >= MAX_ATTEMPTS)
    return deadLetter(delivery, 'max_attempts', `failed ${delivery.deliveryCount} times, last: ${reason}`);
  delivery.nack();
  return { kind: 'retried', topic: delivery.topic, reason };
}
