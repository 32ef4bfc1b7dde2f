/**
 * The `publish` every broker transport shares: encode the envelope once, then hand the bytes to `publishRaw` under
 * the record id (RabbitMQ messageId, JetStream de-duplication id). An encoding error rejects; it never throws.
 */
import { encodeEnvelope } from '../core/codec.js';
import type { Envelope } from '../core/envelope.js';
import { toError } from '../core/errors.js';

export function publishEncoded<B>(
  envelope: Envelope<B>,
  publishRaw: (data: Uint8Array, messageId: string) => Promise<void>,
): Promise<void> {
  let data: Uint8Array;
  try {
    data = encodeEnvelope(envelope);
  } catch (e) {
    return Promise.reject(toError(e));
  }
  return publishRaw(data, String(envelope.id));
}
