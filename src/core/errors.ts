/**
 * Turning anything thrown into text or an `Error`. JavaScript lets code throw any value, and error text often
 * quotes a broker URL, so both helpers redact credentials.
 */
import { redactText } from './redact.js';

/** The message of anything thrown, with credentials redacted: fit for a log line, an event or a dashboard. */
export function errorMessage(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}

/**
 * An `Error` for anything thrown, safe to hand to callers: an `Error` whose message holds no credentials is
 * returned as it is; otherwise a copy with the same name and a redacted message, without the original's properties.
 */
export function toError(error: unknown): Error {
  if (error instanceof Error) {
    const text = redactText(error.message);
    if (text === error.message) return error;
    const copy = new Error(text);
    copy.name = error.name;
    return copy;
  }
  return new Error(redactText(String(error)));
}
