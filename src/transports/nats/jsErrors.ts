/**
 * What a nats.js error carries of the server's JetStream API error: its code (and the codes many callers expect),
 * and a readable line.
 */
import { errorMessage } from '../../core/errors.js';

/** nats-server's `err_code`s for a stream or a durable consumer that does not exist, which many callers expect. */
export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;

/** The server's JetStream error code (`err_code`) carried by a nats.js error, if any. */
export function jsErrorCode(e: unknown): number | undefined {
  const api = (e as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code;
}

/**
 * A nats.js error as a line: its message, and the server's own words where nats.js keeps them apart. A JetStream
 * API error with status 503 ("JetStream system temporarily unavailable": no leader) is otherwise just "503".
 */
export function jsErrorText(e: unknown): string {
  const chained = (e as { chainedError?: unknown } | null)?.chainedError;
  const message = errorMessage(e);
  const detail = chained instanceof Error ? errorMessage(chained) : '';
  return detail !== '' && detail !== message ? `${message}: ${detail}` : message;
}
