/**
 * How this process logs: readable lines or JSON lines, from which level, under which service name. Every command
 * takes `--log-format` and `--log-level` (defineCommand adds them), and sets them here before its handler runs,
 * so each `Terminal` the command makes logs the same way.
 */
import { LOG_LEVELS, type LogLevel } from '../core/log.js';
import type { CliOption } from './command.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  readonly format: LogFormat;
  readonly level: LogLevel;
  /** The `service` of every JSON line: the command (`metric`, `pipeline`, `dead-letters`…). */
  readonly service: string;
}

/** PIPELINE_DEBUG, the older switch, still means --log-level debug when no level is given. */
const defaultLevel = (): LogLevel => (process.env.PIPELINE_DEBUG ? 'debug' : 'info');

let current: LogSettings = { format: 'text', level: defaultLevel(), service: 'pipeline' };

export function logSettings(): LogSettings {
  return current;
}

/** Sets what the command's options say; a level left unset is info (debug under PIPELINE_DEBUG). */
export function configureLogging(options: {
  readonly format?: LogFormat | undefined;
  readonly level?: LogLevel | undefined;
  readonly service: string;
}): void {
  current = {
    format: options.format ?? 'text',
    level: options.level ?? defaultLevel(),
    service: options.service,
  };
}

/** `configureLogging` from a command's parsed argv (its `logFormat` and `logLevel`, already checked by yargs). */
export function configureLoggingFrom(args: object, service: string): void {
  const values = new Map<string, unknown>(Object.entries(args));
  const format = values.get('logFormat');
  const level = values.get('logLevel');
  configureLogging({
    format: LOG_FORMATS.find((f) => f === format),
    level: LOG_LEVELS.find((l) => l === level),
    service,
  });
}

/** The options every command takes (added by defineCommand). */
export const logOptions = {
  'log-format': {
    choices: LOG_FORMATS,
    describe:
      'log lines on stderr: text (readable) or json (one object per line, for log shippers) [default: text]',
  },
  'log-level': {
    choices: LOG_LEVELS,
    describe: 'least severe level logged [default: info]',
  },
} as const satisfies Record<string, CliOption>;
