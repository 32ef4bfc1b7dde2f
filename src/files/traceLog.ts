/**
 * An append-only text log for debugging (the metric's `--trace-file`), bounded in size: when the next write would
 * take it past `maxBytes`, the file becomes `<file>.1` (replacing the previous one) and a new file starts, so at
 * most about twice `maxBytes` is ever on disk.
 *
 * Contract: `write` never blocks and never throws. Lines are buffered and written in the background, one write at
 * a time; a buffer that outgrows `MAX_BUFFERED_BYTES` (the disk far slower than the messages) drops lines, and
 * says so once. The first failed write or rotation is logged as a warning and turns the log off for good: a trace
 * is never worth stopping the service it traces. `close` writes what is buffered.
 */
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/log.js';
import { fsReason } from './fsReason.js';

/** Default `maxBytes`: 64 MiB. */
export const DEFAULT_TRACE_MAX_BYTES = 64 * 1024 * 1024;
/** Most bytes waiting to be written; beyond it lines are dropped. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * @example
 * ```ts
 * const trace = await TraceLog.open('logs/labels_log.txt', { log: terminal.log });
 * trace.write('2024-05-01T12:00:00.000Z y_true r1-42 151\n');
 * await trace.close();
 * ```
 */
export class TraceLog {
  #buffer: string[] = [];
  #buffered = 0;
  #writing: Promise<void> | undefined;
  #off = false;
  #dropped = 0;

  private constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
    /** Bytes in the current file. */
    private size: number,
  ) {}

  /** Opens (creates the folder of) the trace file, appending to what it holds. */
  static async open(path: string, options: { maxBytes?: number; log: Logger }): Promise<TraceLog> {
    await mkdir(dirname(path), { recursive: true });
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    return new TraceLog(path, options.maxBytes ?? DEFAULT_TRACE_MAX_BYTES, options.log, size);
  }

  /** False once a write failed (the log is off). */
  get on(): boolean {
    return !this.#off;
  }

  /** Queues `line` (with its line feed); see the module comment. */
  write(line: string): void {
    if (this.#off) return;
    if (this.#buffered + line.length > MAX_BUFFERED_BYTES) {
      if (this.#dropped++ === 0)
        this.log('warn', `trace ${this.path}: writing falls behind, dropping lines until it catches up`);
      return;
    }
    this.#buffer.push(line);
    this.#buffered += line.length;
    this.#writing ??= this.#drain();
  }

  /** Resolves once every line queued so far is written (or the log turned off). */
  async close(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Writes the buffer, batch after batch, until it is empty. */
  async #drain(): Promise<void> {
    // Let the lines of the current burst of messages gather: one write per burst, not per line.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#buffer.length > 0 && !this.#off) {
        const text = this.#buffer.join('');
        this.#buffer = [];
        this.#buffered = 0;
        this.#dropped = 0;
        const bytes = Buffer.byteLength(text);
        if (this.size > 0 && this.size + bytes > this.maxBytes) {
          await rename(this.path, `${this.path}.1`);
          this.size = 0;
        }
        await appendFile(this.path, text);
        this.size += bytes;
      }
    } catch (e) {
      this.#off = true;
      this.#buffer = [];
      this.log('warn', `trace ${this.path}: ${fsReason(e)}; tracing is off from now on`);
    } finally {
      this.#writing = undefined;
    }
  }
}
