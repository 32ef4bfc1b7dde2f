/**
 * The process's output. On a TTY: a status line redrawn in place on stdout, with log lines (stderr) printed above
 * it. Not a TTY: plain lines only, never an escape code.
 */
import { redactText } from '../core/redact.js';
import type { LogLevel } from '../core/log.js';
import { fitWidth } from './statusText.js';

export class Terminal {
  private current = '';
  readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
    /** Silences info logs (e.g. while a full-screen dashboard is up, logs go elsewhere). */
    private quiet = false,
  ) {
    this.tty = Boolean(out.isTTY) && process.env.TERM !== 'dumb';
  }

  /** Logs one line; secrets in URLs are redacted whatever the caller passed. */
  readonly log = (level: LogLevel, message: string): void => {
    if (level === 'debug' && !process.env.PIPELINE_DEBUG) return;
    if (this.quiet && level === 'info') return;
    this.clear();
    this.err.write(`${new Date().toISOString()} ${level.padEnd(5)} ${redactText(message)}\n`);
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
