/**
 * Group commit of rows to an append-only log, each row standing for messages that are acked only once it is
 * durable.
 *
 * Rows added while a write is under way go out together in the next write, so writes adapt to the load and no row
 * costs a promise of its own. A failed write (disk full, folder unwritable) is retried with backoff while the
 * messages stay unacked (marked `working()` so the broker does not hand them out again meanwhile), so the rows
 * arrive once the disk recovers; a crash loses nothing, as the broker redelivers every unacked message.
 */
import { errorMessage } from '../core/errors.js';
import type { Delivery } from '../core/transport.js';

/** A row of the log and the messages it settles. */
export interface CommitRow {
  /** Acked once the row is durable. */
  readonly deliveries: readonly Delivery[];
}

/** Where the rows go: `CsvAppender`, whose `append` resolves once the text is durable. */
export interface AppendLog {
  readonly path: string;
  append(text: string): Promise<void>;
}

export interface GroupCommitWriterOptions<R extends CommitRow> {
  readonly log: AppendLog;
  /** The text of one row, line feed included. */
  readonly format: (row: R) => string;
  /** Delay before the first retry of a failed write; doubles up to `MAX_RETRY_DELAY_MS`. */
  readonly retryDelayMs: number;
  /**
   * Counts a write as in flight until it and the writes queued behind it are done, so a graceful stop can wait for
   * them; reports its rejection (a failure after `close`).
   */
  readonly run: (work: Promise<unknown>) => void;
  /** A write failed and is retried after a delay: why, credentials redacted. */
  readonly onRetry: (reason: string) => void;
  /** A batch is durable and the messages of its rows acked, in the order the rows were added. */
  readonly onWritten: (batch: readonly R[]) => void;
  /** How the writer waits between retries. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GroupCommitWriter<R extends CommitRow> {
  /** Queues a row for the next write; the rows added before that write starts (a burst of deliveries) share it. */
  add(row: R): void;
  /**
   * Stops retrying: a write that fails from now on rejects (through `run`) and its messages stay unacked, for the
   * broker to redeliver. A write under way still finishes and acks if it succeeds.
   */
  close(): void;
}

/** Longest delay between two attempts of a failing write. */
export const MAX_RETRY_DELAY_MS = 5000;

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A group-commit writer over `log`.
 *
 * @example
 * ```ts
 * const writer = groupCommitWriter({
 *   log: csv, format: (row) => formatMetricRow(row.record), retryDelayMs: 100,
 *   run: (work) => void inFlight.track(work).catch(fail),
 *   onRetry: (reason) => console.warn(reason), onWritten: (batch) => broadcast(batch),
 * });
 * writer.add({ record, deliveries: [t, p] });
 * ```
 */
export function groupCommitWriter<R extends CommitRow>(
  options: GroupCommitWriterOptions<R>,
): GroupCommitWriter<R> {
  const { log, format, retryDelayMs, run, onRetry, onWritten, sleep = wait } = options;
  let rows: R[] = [];
  let text = '';
  let writing = false;
  let closed = false;

  const writeBatch = async (batch: readonly R[], data: string): Promise<void> => {
    for (let delay = retryDelayMs; ; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        await log.append(data);
        break;
      } catch (error) {
        if (closed) throw error;
        onRetry(`writing ${log.path} failed, retrying: ${errorMessage(error)}`);
        for (const row of batch) for (const d of row.deliveries) d.working();
        await sleep(delay);
      }
    }
    // Only now is the row durable: acking earlier would lose it to a crash.
    for (const row of batch) for (const d of row.deliveries) d.ack();
    onWritten(batch);
  };
  const flush = (): void => {
    if (rows.length === 0) {
      writing = false;
      return;
    }
    const batch = rows;
    const data = text;
    rows = [];
    text = '';
    // The next flush runs inside the tracked work, so a stop waiting for idle cannot slip in between batches.
    run(writeBatch(batch, data).then(flush));
  };
  return {
    add: (row) => {
      rows.push(row);
      text += format(row);
      if (writing) return;
      writing = true;
      // Let the rest of this burst of rows come first, so they share the write.
      run(Promise.resolve().then(flush));
    },
    close: () => {
      closed = true;
    },
  };
}
