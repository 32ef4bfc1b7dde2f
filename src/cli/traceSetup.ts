/**
 * The metric's `--trace-file`: every `y_true` and `y_pred` message it takes, one line each, for debugging a run
 * after the fact. Off unless asked for.
 */
import { resolve } from 'node:path';
import type { Logger } from '../core/log.js';
import { traceLine } from '../core/traceLine.js';
import type { Delivery } from '../core/transport.js';
import { TraceLog } from '../files/traceLog.js';

export interface Trace {
  /** For `MetricServiceOptions.onConsumed`. */
  readonly onConsumed: (delivery: Delivery) => void;
  /** Writes what is buffered. */
  close(): Promise<void>;
}

/** The trace the options ask for, or undefined without --trace-file. */
export async function openTrace(
  args: { traceFile?: string | undefined; traceMaxBytes: number },
  log: Logger,
): Promise<Trace | undefined> {
  if (args.traceFile === undefined || args.traceFile === '') return undefined;
  const trace = await TraceLog.open(resolve(args.traceFile), { maxBytes: args.traceMaxBytes, log });
  log('info', `trace: every y_true and y_pred message goes to ${trace.path}`);
  return {
    onConsumed: (delivery) => {
      if (trace.on) trace.write(traceLine(delivery, Date.now()));
    },
    close: () => trace.close(),
  };
}
