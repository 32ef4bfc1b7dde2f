/**
 * The process's output. On a TTY: a status line redrawn in place on stdout, with log lines (stderr) printed above
 * it. Not a TTY: plain lines only, never an escape code. Log lines are readable text or JSON (pino), from the
 * level the command was given (see logSettings.ts).
 */
import { pino, stdTimeFunctions, type Logger as Pino } from 'pino';
import { redactText } from '../core/redact.js';
import { levelEnabled, redactFields, type LogFields, type LogLevel } from '../core/log.js';
import { logSettings, type LogSettings } from './logSettings.js';
import { fitWidth } from './statusText.js';

/** One readable line: time, level, message, then the fields as key=value (quoted when they hold spaces). */
export function textLine(time: Date, level: LogLevel, message: string, fields?: LogFields): string {
  let line = `${time.toISOString()} ${level.padEnd(5)} ${message}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    const text = String(value);
    line += ` ${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
  }
  return line;
}

export class Terminal {
  private current = '';
  readonly tty: boolean;

  /** Writes JSON lines when the format is json: synchronously, so the last lines before an exit are not lost. */
  private readonly json: Pino | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
    /** Silences info logs (e.g. while a full-screen dashboard is up, logs go elsewhere). */
    private quiet = false,
    private readonly settings: LogSettings = logSettings(),
  ) {
    this.tty = Boolean(out.isTTY) && process.env.TERM !== 'dumb';
    this.json =
      settings.format === 'json'
        ? pino(
            {
              level: 'debug', // `log` filters first
              base: { service: settings.service },
              timestamp: stdTimeFunctions.isoTime,
              formatters: { level: (label) => ({ level: label }) },
            },
            { write: (line: string) => void this.err.write(line) },
          )
        : undefined;
  }

  /** Logs one line; secrets in URLs are redacted whatever the caller passed. */
  readonly log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (!levelEnabled(this.settings.level, level)) return;
    if (this.quiet && level === 'info') return;
    this.clear();
    const text = redactText(message);
    const safe = redactFields(fields);
    if (this.json) this.json[level]({ ...safe }, text);
    else this.err.write(`${textLine(new Date(), level, text, safe)}\n`);
    this.redraw();
  };

  /** Replaces the status line (TTY only). */
  status(line: string): void {
    if (!this.tty) return;
    this.current = fitWidth(line, (this.out.columns || 80) - 1);
    this.out.write(`\r\x1b[2K${this.current}`);
  }

  /** A plain line on stdout (above the status line on a TTY). */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.redraw();
  }

  /** Removes the status line for good. */
  end(): void {
    this.clear();
    this.current = '';
  }

  private clear(): void {
    if (this.tty && this.current) this.out.write('\r\x1b[2K');
  }

  private redraw(): void {
    if (this.tty && this.current) this.out.write(this.current);
  }
}
