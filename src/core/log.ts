/**
 * The one logger shape of the whole pipeline: services, transports and commands all log through a `Logger`,
 * so a command can hand its own (a terminal, a JSON line writer) to everything it starts.
 */
import { redactText } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Writes one log line. Must not throw; `redactingLogger` makes any logger safe to call. */
export type Logger = (level: LogLevel, message: string) => void;

/**
 * Wraps a logger so that every line is redacted first (a broker URL's password never reaches a terminal or a log
 * file), and a throwing logger cannot take down the connection or service that logs.
 */
export function redactingLogger(logger: Logger): Logger {
  return (level, message) => {
    try {
      logger(level, redactText(message));
    } catch {
      // A broken logger must not break what it logs for.
    }
  };
}
