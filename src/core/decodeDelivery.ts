/**
 * Turns a delivery into a validated envelope, whichever way the transport carried it: as bytes (brokers) or as
 * the published object (memory). Both paths apply exactly the same checks and give the same `DecodeError`, so a
 * service dead-letters, and a dashboard reports, a bad message alike on every transport. Pure; never throws.
 *
 * @example
 * ```ts
 * const decoded = decodeDelivery(delivery, featureVector);
 * if (!decoded.ok) return deadLetter(delivery, decoded.error.code, decoded.error.reason);
 * ```
 */
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DecodeError,
  decodeEnvelope,
  validateId,
  type DecodeResult,
  type EnvelopeBodyValidator,
} from './codec.js';
import type { Envelope } from './envelope.js';
import type { Delivery } from './transport.js';

/**
 * Decodes `delivery` and checks its body with `validateBody`: any validator of the codec (`featureVector`,
 * `finiteNumber`), `metricsBody` (which reads the envelope's id) or `statusBody`.
 */
export function decodeDelivery<B>(
  delivery: Delivery,
  validateBody: EnvelopeBodyValidator<B>,
  maxBytes = DEFAULT_MAX_MESSAGE_BYTES,
): DecodeResult<B> {
  const envelope = delivery.envelope;
  if (envelope === undefined) return decodeEnvelope(delivery.data, validateBody, maxBytes);
  const id = validateId(envelope.id);
  if (!id.ok) return { ok: false, error: new DecodeError('bad_id', id.reason) };
  const body = validateBody(envelope.body, id.value);
  if (!body.ok) return { ok: false, error: new DecodeError('bad_body', body.reason) };
  // When the checked values are the envelope's own (most validators return what they were given), no copy.
  const value =
    id.value === envelope.id && body.value === envelope.body ? (envelope as Envelope<B>) : undefined;
  return { ok: true, value: value ?? { id: id.value, body: body.value } };
}
