/**
 * The incremental reader of the metric log (`logs/metric_log.csv`), shared by the plot service and the
 * dashboard's log feed. It is incremental because the log keeps growing for as long as the pipeline runs and
 * is polled every few hundred milliseconds: re-reading it whole on every poll would cost more each time, so
 * each read starts where the previous one stopped and costs only what was appended since.
 *
 * It does not import the PNG renderer (the plotter does), so the dashboard can load it without loading that.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { MetricRecord } from '../core/metricsBody.js';
import { isMetricCsvHeader, MAX_RECORD_LENGTH, parseMetricRow, splitLines } from '../core/metricCsv.js';
import { serialise } from '../core/serialise.js';

/** Bytes read per tick at most, when not configured: catching up with a long log is spread over ticks. */
export const DEFAULT_MAX_BYTES_PER_TICK = 8 * 1024 * 1024;

const READ_BUFFER_BYTES = 64 * 1024;

const isErrno = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException | null)?.code === code;

/** What one read of the metric log found. */
export interface MetricLogChunk {
  /** Valid rows appended since the previous read, in file order. */
  readonly records: MetricRecord[];
  /** Rows that could not be parsed and were skipped (header and blank lines are not counted). */
  readonly malformedRows: number;
  /** The log shrank or was replaced since the previous read: `records` come from its start again. */
  readonly restarted: boolean;
}

export interface MetricLogReader {
  /** Reads what was appended since the previous read. Calls are serialised. A missing log reads as nothing. */
  read(): Promise<MetricLogChunk>;
  /** Bytes of the current log consumed so far. */
  readonly offset: number;
}

/**
 * Follows the metric log like `tail -F`. Each read takes only the bytes appended since the previous one (from a
 * byte offset, so its cost does not grow with the file, and at most `maxBytes`), keeps a partial last line and a
 * UTF-8 sequence split between reads for the next read, and starts over if the file shrank or was replaced by
 * another file (another inode). A file truncated and regrown past the offset between two reads goes unnoticed.
 */
export function createMetricLogReader(
  csvFile: string,
  maxBytes: number = DEFAULT_MAX_BYTES_PER_TICK,
): MetricLogReader {
  const buffer = Buffer.alloc(READ_BUFFER_BYTES);
  let decoder = new StringDecoder('utf8');
  let identity: { dev: number; ino: number } | undefined;
  let offset = 0;
  let remainder = '';
  // After an overlong line was dropped: drop text up to the next line feed, to resynchronise.
  let skippingLine = false;

  const consume = (text: string, records: MetricRecord[]): number => {
    let malformed = 0;
    if (skippingLine) {
      const lf = text.indexOf('\n');
      if (lf === -1) return 0;
      text = text.slice(lf + 1);
      skippingLine = false;
    }
    const split = splitLines(remainder, text);
    remainder = split.remainder;
    if (remainder.length > MAX_RECORD_LENGTH) {
      malformed++;
      remainder = '';
      skippingLine = true;
    }
    for (const line of split.lines) {
      if (line === '' || line === '\r' || isMetricCsvHeader(line)) continue;
      const row = parseMetricRow(line);
      if (row.ok) records.push(row.value);
      else malformed++;
    }
    return malformed;
  };

  const read = async (): Promise<MetricLogChunk> => {
    const records: MetricRecord[] = [];
    let handle: FileHandle;
    try {
      handle = await open(csvFile, 'r');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return { records, malformedRows: 0, restarted: false };
      throw e;
    }
    try {
      const st = await handle.stat();
      const replaced = identity !== undefined && (identity.dev !== st.dev || identity.ino !== st.ino);
      const restarted = replaced || st.size < offset;
      if (restarted) {
        decoder = new StringDecoder('utf8');
        offset = 0;
        remainder = '';
        skippingLine = false;
      }
      identity = { dev: st.dev, ino: st.ino };
      let malformedRows = 0;
      let budget = Math.min(st.size - offset, maxBytes);
      while (budget > 0) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, budget), offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        budget -= bytesRead;
        malformedRows += consume(decoder.write(buffer.subarray(0, bytesRead)), records);
      }
      return { records, malformedRows, restarted };
    } finally {
      await handle.close();
    }
  };

  return {
    read: serialise(read),
    get offset() {
      return offset;
    },
  };
}
