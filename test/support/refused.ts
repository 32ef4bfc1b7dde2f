/** The assertion the wire tests share: a message is refused with the expected code and reason. */
import assert from 'node:assert/strict';
import {
  DecodeError,
  decodeEnvelope,
  type DecodeErrorCode,
  type EnvelopeBodyValidator,
} from '../../src/core/codec.js';

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Decodes `input` and asserts it fails with `code` and a reason matching `reason`. */
export function refused<B>(
  input: string | Uint8Array,
  validate: EnvelopeBodyValidator<B>,
  code: DecodeErrorCode,
  reason: RegExp,
  maxBytes?: number,
): void {
  const r = decodeEnvelope(typeof input === 'string' ? bytes(input) : input, validate, maxBytes);
  assert.equal(r.ok, false, `expected ${code} for ${String(input)}`);
  if (r.ok) return;
  assert.ok(r.error instanceof DecodeError);
  assert.equal(r.error.code, code);
  assert.match(r.error.reason, reason);
  assert.equal(r.error.message, `${code}: ${r.error.reason}`);
}
