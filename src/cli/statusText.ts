/** The one-line live status and the final summary. Pure: figures in, text out. */
import type { ConnectionState } from '../core/transport.js';
import type { CountersSnapshot } from '../core/statusBody.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const num = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');

export interface StatusFigures {
  readonly counters: CountersSnapshot;
  /** Records per second over the last interval. */
  readonly rate: number;
  readonly transport: string;
  readonly state: ConnectionState;
}

export function statusLine({ counters: c, rate, transport, state }: StatusFigures): string {
  const parts = [
    `records ${int(c.joined)}`,
    `${int(rate)}/s`,
    `MAE ${num(c.stats.mae)}`,
    `RMSE ${num(c.stats.rmse)}`,
  ];
  // A service that joins nothing says what it does do: the model predicts, features publishes.
  if (c.joined === 0 && c.predicted > 0) parts.unshift(`predicted ${int(c.predicted)}`);
  else if (c.joined === 0 && c.published > 0) parts.unshift(`published ${int(c.published)}`);
  if (c.pending > 0) parts.push(`waiting ${int(c.pending)}`);
  if (c.deadLettered + c.unmatched > 0) parts.push(`dead-lettered ${int(c.deadLettered + c.unmatched)}`);
  if (c.retried > 0) parts.push(`retried ${int(c.retried)}`);
  parts.push(`${transport} ${state}`);
  return parts.join(' | ');
}

/** Fits a line to the terminal width, never wrapping (a wrapped status line cannot be redrawn in place). */
export const fitWidth = (line: string, columns: number): string =>
  line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;

export function summary(c: CountersSnapshot, seconds: number): string {
  const lines = [
    `published ${int(c.published)}, predicted ${int(c.predicted)}, joined ${int(c.joined)} records in ${seconds.toFixed(1)} s` +
      (seconds > 0 && c.joined > 0 ? ` (${int(c.joined / seconds)}/s)` : ''),
  ];
  if (c.stats.count > 0)
    lines.push(
      `MAE ${num(c.stats.mae)}, RMSE ${num(c.stats.rmse)}, p50 ${num(c.stats.p50)}, p95 ${num(c.stats.p95)}, max ${num(c.stats.max)}`,
    );
  const dead = Object.entries(c.deadByCode)
    .map(([code, n]) => `${code} ${int(n)}`)
    .join(', ');
  if (dead) lines.push(`dead-lettered: ${dead}`);
  if (c.duplicates > 0) lines.push(`duplicates absorbed: ${int(c.duplicates)}`);
  if (c.lastProblem) lines.push(`last problem: ${c.lastProblem}`);
  return lines.join('\n');
}
