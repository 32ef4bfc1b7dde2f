/**
 * The incremental reader of the alert log (`logs/alerts.jsonl`, one AlertEventBody per line, appended by the
 * metric). Each read takes what was appended since the previous one, complete lines only: a line the metric is
 * still writing is read whole next time. A missing file reads as nothing; a shrunk or replaced one from the start.
 */
import { open } from 'node:fs/promises';
import { alertEventBody, type AlertEventBody } from '../core/summaryBody.js';
import { serialise } from '../core/serialise.js';

/** Bytes read by one read at most: a long log is caught up over several reads. */
export const ALERT_LOG_MAX_BYTES = 1024 * 1024;

export interface AlertLogChunk {
  /** Valid lines appended since the previous read, in file order. */
  readonly events: AlertEventBody[];
  /** Complete lines that were not an alert event (not JSON, or not the shape), skipped. */
  readonly malformedLines: number;
  /** The log shrank or was replaced: `events` come from its start again. */
  readonly restarted: boolean;
}

export interface AlertLogReader {
  /** Reads the complete lines appended since the previous read. Calls are serialised. */
  read(): Promise<AlertLogChunk>;
}

/** One line of the log as an alert event; `undefined` when it is not one (not JSON, or not the shape). */
export function parseAlertLine(line: string): AlertEventBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const checked = alertEventBody(json);
  return checked.ok ? checked.value : undefined;
}

/**
 * Follows `file` like `tail -F`, from a byte offset that only ever moves to the end of a complete line.
 *
 * @example
 * ```ts
 * const alerts = createAlertLogReader('logs/alerts.jsonl');
 * const { events } = await alerts.read();
 * ```
 */
export function createAlertLogReader(file: string, maxBytes: number = ALERT_LOG_MAX_BYTES): AlertLogReader {
  let offset = 0;
  let identity = '';

  const read = async (): Promise<AlertLogChunk> => {
    const events: AlertEventBody[] = [];
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return { events, malformedLines: 0, restarted: false };
      throw e;
    }
    try {
      const st = await handle.stat();
      const id = `${st.dev}:${st.ino}`;
      const restarted = (identity !== '' && id !== identity) || st.size < offset;
      if (restarted) offset = 0;
      identity = id;
      const length = Math.min(st.size - offset, maxBytes);
      const buffer = Buffer.alloc(Math.max(0, length));
      const { bytesRead } = length > 0 ? await handle.read(buffer, 0, length, offset) : { bytesRead: 0 };
      const end = buffer.lastIndexOf(0x0a, bytesRead - 1);
      let malformedLines = 0;
      if (end >= 0) {
        // Only up to the last line feed: bytes after it are a line still being written (or cut by maxBytes).
        offset += end + 1;
        for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
          if (line.trim() === '') continue;
          const event = parseAlertLine(line);
          if (event) events.push(event);
          else malformedLines++;
        }
      } else if (bytesRead === maxBytes) {
        // One line longer than a whole read can never complete: skip it, or the log would stall here.
        offset += bytesRead;
        malformedLines++;
      }
      return { events, malformedLines, restarted };
    } finally {
      await handle.close();
    }
  };
  return { read: serialise(read) };
}
