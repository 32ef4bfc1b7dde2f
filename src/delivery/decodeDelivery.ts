/**
 * Turns a delivery into a validated envelope, whichever way the transport carried it: as bytes (brokers) or as
 * the published object (memory). Both paths apply exactly the same checks.
 */
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DecodeError,
  decodeEnvelope,
  validateId,
  type BodyValidator,
  type DecodeResult,
} from '../core/codec.js';
import type { Envelope } from '../core/envelope.js';
import type { Delivery } from '../core/transport.js';

export function decodeDelivery<B>(
  delivery: Delivery,
  validateBody: BodyValidator<B>,
  maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
): DecodeResult<B> {
  const envelope = delivery.envelope;
  if (envelope === undefined) return decodeEnvelope(delivery.data, validateBody, maxBytes);
  const id = validateId(envelope.id);
  if (!id.ok) return { ok: false, error: new DecodeError('bad_id', id.reason) };
  const body = validateBody(envelope.body);
  if (!body.ok) return { ok: false, error: new DecodeError('bad_body', body.reason) };
  // The checked values are the envelope's own (validators return what they were given): no copy per message.
  const value =
    id.value === envelope.id && body.value === envelope.body ? (envelope as Envelope<B>) : undefined;
  return { ok: true, value: value ?? { id: id.value, body: body.value } };
}
