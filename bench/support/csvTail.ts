/**
 * Follows the metric log as it grows and notes when rows appear: the bench's view of "a CSV row written".
 *
 * Each read takes only the bytes appended since the previous one, so following a log of a million rows costs a
 * few tens of milliseconds in all. Rows are seen by polling (every `pollMs`) and, with `watch`, also on inotify
 * events, which see a write within a fraction of a millisecond: what latency measurements need.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { sleep } from '../../harness/poll.js';
import { nowMs } from './time.js';
import { toError } from '../../src/core/errors.js';

export interface CsvTailOptions {
  /** Called for each complete data row (header excluded, without its line feed) when it is first seen. */
  readonly onRow?: (line: string, seenAtMs: number) => void;
  /** React to inotify events as well as polling. @default false */
  readonly watch?: boolean;
  /** @default 20 */
  readonly pollMs?: number;
}

/** A point of progress: so many data rows seen at that (wall-clock) time. */
export interface Sighting {
  readonly rows: number;
  readonly atMs: number;
}

export interface WaitForRowsOptions {
  readonly timeoutMs: number;
  /** Give up when no new row came for this long. @default timeoutMs */
  readonly stallMs?: number;
  /** Polled while waiting: a reason to give up at once (a process died), or undefined. */
  readonly abort?: () => string | undefined;
}

const CHUNK = 1024 * 1024;

export class CsvTail {
  /** Data rows seen so far. */
  rows = 0;
  /** When rows were first seen (the first read that found any). */
  first: Sighting | undefined;
  /** The latest read that found new rows. */
  last: Sighting | undefined;

  private offset = 0;
  private lines = 0;
  private remainder = '';
  private readonly decoder = new StringDecoder('utf8');
  private reading: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private error: Error | undefined;

  constructor(
    readonly file: string,
    private readonly options: CsvTailOptions = {},
  ) {
    this.timer = setInterval(() => this.poke(), options.pollMs ?? 20);
    this.poke();
  }

  /** Resolves once `rows` data rows were seen; rejects on timeout, stall, or `abort`. */
  async waitForRows(rows: number, options: WaitForRowsOptions): Promise<void> {
    const start = nowMs();
    let lastProgress = start;
    let lastRows = this.rows;
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.rows >= rows) return;
      if (this.closed) throw new Error(`stopped following ${this.file} at ${this.rows} of ${rows} rows`);
      const now = nowMs();
      if (this.rows > lastRows) {
        lastRows = this.rows;
        lastProgress = now;
      }
      const reason = options.abort?.();
      if (reason !== undefined) throw new Error(`${reason} (${this.rows} of ${rows} rows)`);
      if (now - start > options.timeoutMs)
        throw new Error(`timed out after ${options.timeoutMs} ms with ${this.rows} of ${rows} rows`);
      if (now - lastProgress > (options.stallMs ?? options.timeoutMs))
        throw new Error(`no new row for ${options.stallMs} ms, stalled at ${this.rows} of ${rows} rows`);
      await sleep(20);
    }
  }

  /** Stops following; waits for a read under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.watcher?.close();
    await this.reading;
  }

  private poke(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read()
      .catch((e: unknown) => void (this.error ??= toError(e)))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async read(): Promise<void> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      if (this.options.watch && !this.watcher && !this.closed)
        this.watcher = watch(this.file, () => this.poke());
      const { size } = await handle.stat();
      const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, size - this.offset)));
      const before = this.rows;
      while (this.offset < size) {
        const { bytesRead } = await handle.read(
          buffer,
          0,
          Math.min(buffer.length, size - this.offset),
          this.offset,
        );
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(buffer.subarray(0, bytesRead));
      }
      if (this.rows > before) {
        const seen = { rows: this.rows, atMs: nowMs() };
        this.first ??= seen;
        this.last = seen;
      }
    } finally {
      await handle.close();
    }
  }

  private consume(bytes: Buffer): void {
    const onRow = this.options.onRow;
    if (!onRow) {
      // Counting only: no strings, no parsing. The first line is the header.
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) this.lines++;
      this.rows = Math.max(0, this.lines - 1);
      return;
    }
    const at = nowMs();
    const parts = (this.remainder + this.decoder.write(bytes)).split('\n');
    this.remainder = parts.pop() ?? '';
    for (const line of parts) {
      if (this.lines++ === 0) continue;
      this.rows++;
      onRow(line, at);
    }
  }
}
