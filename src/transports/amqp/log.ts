/**
 * The one door through which text leaves the transport: every log line and every error passes `redactText`,
 * so a broker URL's password never reaches a terminal, a log file or a dashboard.
 */
import { redactText } from '../../core/redact.js';
import type { AmqpLogger } from './options.js';

/** Wraps a logger so that whatever is logged is redacted first, and a throwing logger cannot break the transport. */
export function redactingLogger(logger: AmqpLogger): AmqpLogger {
  return (level, message) => {
    try {
      logger(level, redactText(message));
    } catch {
      // A broken logger must not take the connection down with it.
    }
  };
}

/** The message of anything thrown, redacted. */
export function errorText(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error));
}

/** An error safe to hand to callers: same name and message, redacted, without the original's properties. */
export function safeError(error: unknown): Error {
  if (error instanceof Error) {
    const text = redactText(error.message);
    if (text === error.message) return error;
    const copy = new Error(text);
    copy.name = error.name;
    return copy;
  }
  return new Error(redactText(String(error)));
}
