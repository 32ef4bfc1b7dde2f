/**
 * The one logger shape of the whole pipeline: services, transports and commands all log through a `Logger`,
 * so a command can hand its own (a terminal, a JSON line writer) to everything it starts.
 */
import { redactText } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The levels, least severe first: a threshold shows its own level and those after it. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Whether a line at `level` is shown under `threshold`. */
export const levelEnabled = (threshold: LogLevel, level: LogLevel): boolean =>
  LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);

/** Facts a line carries besides its message (topic, id, reason…): fields of a JSON line, `key=value` in text. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Writes one log line. Must not throw; `redactingLogger` makes any logger safe to call. */
export type Logger = (level: LogLevel, message: string, fields?: LogFields) => void;

/** `fields` with every string redacted (a reason may quote a broker URL). */
export function redactFields(fields: LogFields | undefined): LogFields | undefined {
  if (fields === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]),
  );
}

/**
 * Wraps a logger so that every line is redacted first (a broker URL's password never reaches a terminal or a log
 * file), and a throwing logger cannot take down the connection or service that logs.
 */
export function redactingLogger(logger: Logger): Logger {
  return (level, message, fields) => {
    try {
      logger(level, redactText(message), redactFields(fields));
    } catch {
      // A broken logger must not break what it logs for.
    }
  };
}
