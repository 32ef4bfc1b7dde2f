/**
 * Appends rows to the metric log with group commit: rows handed over while a write is under way go out together
 * in the next write, so the number of writes (and fsyncs) adapts to the load while each row's promise resolves
 * only once that row is on disk. A failed write is rolled back to the last good size, so a full disk never
 * leaves half a row behind, and its rows' promises reject.
 *
 * Opening an existing log never erases a row: the header is written only to a new or empty file, and a partial
 * last line (a crash in the middle of a write, whose messages were therefore never acked) is cut off.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { METRIC_CSV_HEADER, parseMetricRow } from '../core/metricCsv.js';
import { idKey } from '../core/envelope.js';
import { toError } from '../core/errors.js';

export interface CsvAppenderOptions {
  /** fdatasync after each write, before any row of it is reported written. @default true */
  readonly fsync?: boolean;
  /** How much of an existing log's tail is read at start to learn which ids it holds. @default 16 MiB */
  readonly tailBytes?: number;
}

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
}

interface Pending {
  readonly text: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

export class CsvAppender {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private size: number,
    private readonly fsync: boolean,
    /** Join keys of the rows found in the log's tail when it was opened (see `idKey`). */
    readonly existingKeys: ReadonlySet<string>,
    /** Rows found in the tail that was read when the log was opened. */
    readonly tailRows: number,
  ) {}

  static async open(path: string, options: CsvAppenderOptions = {}): Promise<CsvAppender> {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, 'a+');
    try {
      const { size } = await file.stat();
      const scan =
        size === 0 ? { good: 0, keys: new Set<string>(), rows: 0 } : await scanLog(path, file, size, options);
      if (scan.good < size) await file.truncate(scan.good);
      let good = scan.good;
      if (good === 0) {
        const header = Buffer.from(`${METRIC_CSV_HEADER}\n`);
        await file.write(header, 0, header.length, 0);
        good = header.length;
      }
      return new CsvAppender(path, file, good, options.fsync ?? true, scan.keys, scan.rows);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Resolves once `text` (whole rows ending in \n) is written, and synced when `fsync` is on. */
  append(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path} is closed`));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Waits for every row handed over so far, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    await this.file.close();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const data = Buffer.from(
        batch.length === 1 ? (batch[0] as Pending).text : batch.map((p) => p.text).join(''),
      );
      try {
        let written = 0;
        while (written < data.length) {
          const r = await this.file.write(data, written, data.length - written, this.size + written);
          written += r.bytesWritten;
        }
        if (this.fsync) await this.file.datasync();
        this.size += data.length;
        for (const p of batch) p.resolve();
      } catch (error) {
        // Roll back whatever part of the batch reached the file: rows are whole or absent.
        await this.file.truncate(this.size).catch(() => undefined);
        const e = toError(error);
        for (const p of batch) p.reject(e);
      }
    }
    this.writing = undefined;
  }
}

/** Checks the header, finds where the last complete row ends, and collects the ids of the rows in the tail. */
async function scanLog(
  path: string,
  file: FileHandle,
  size: number,
  options: CsvAppenderOptions,
): Promise<{ good: number; keys: Set<string>; rows: number }> {
  const head = Buffer.alloc(Math.min(size, 4096));
  await file.read(head, 0, head.length, 0);
  const firstLine = head.toString('utf8').split('\n')[0] ?? '';
  // Without a line feed the file may only be a header cut short by a crash (it is rewritten); anything else is
  // someone's file, which must not be erased.
  const isLog = head.includes(10)
    ? firstLine.replace(/\r$/, '') === METRIC_CSV_HEADER
    : head.length === size && `${METRIC_CSV_HEADER}\r`.startsWith(firstLine);
  if (!isLog)
    throw new CsvFormatError(
      `${path} starts with "${firstLine.slice(0, 80)}", not "${METRIC_CSV_HEADER}": ` +
        'move it away or choose another --log-dir',
    );
  const tailBytes = Math.min(size, options.tailBytes ?? 16 * 1024 * 1024);
  const tail = Buffer.alloc(tailBytes);
  await file.read(tail, 0, tailBytes, size - tailBytes);
  const lastNewline = tail.lastIndexOf(10);
  if (lastNewline === -1) return { good: 0, keys: new Set(), rows: 0 };
  const good = size - tailBytes + lastNewline + 1;
  const text = tail.toString('utf8', 0, lastNewline);
  const lines = text.split('\n');
  if (tailBytes < size) lines.shift(); // the first line of a tail may be cut
  const keys = new Set<string>();
  let rows = 0;
  for (const line of lines) {
    const row = parseMetricRow(line.replace(/\r$/, ''));
    if (!row.ok) continue;
    rows++;
    // formatMetricRow quotes string ids that look like numbers, so the row says which kind the id was.
    keys.add(idKey(row.value.id));
  }
  return { good, keys, rows };
}
