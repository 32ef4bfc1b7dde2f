import { errorMessage } from '../../core/errors.js';

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
