/**
 * Every dead letter is said in the log, at warn, with its topic, id and reason; a flood of them does not drown
 * the log: the first `first` are logged one by one, the rest counted by reason and summed up in one line at most
 * every `everyMs` (`tick`, called by the monitor's clock, and `flush` at stop, say what was left unsaid).
 *
 * @example
 * ```ts
 * const deadLetters = deadLetterLog(terminal.log, 'model');
 * events$.subscribe(deadLetters.report);
 * // warn  model: dead letter on features: not_json: Unexpected token 'x' topic=features id=… reason=not_json
 * // warn  model: 1,234 more dead letters in the last 10 s: not_json 1,200, wrong_shape 34 (each not logged)
 * ```
 */
import type { Logger } from '../core/log.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';

export interface DeadLetterLogOptions {
  /** Dead letters logged one by one before they are only counted. @default 10 */
  readonly first?: number;
  /** Shortest time between two summary lines, in ms. @default 10_000 */
  readonly everyMs?: number;
  /** @default performance.now */
  readonly now?: () => number;
}

export interface DeadLetterLog {
  readonly report: (event: ServiceEvent) => void;
  /** Logs the summary of what was counted, if any and if `everyMs` passed since the last one. */
  readonly tick: () => void;
  /** Logs the summary of what was counted, if any, now. */
  readonly flush: () => void;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

export function deadLetterLog(
  log: Logger,
  service: string,
  options: DeadLetterLogOptions = {},
): DeadLetterLog {
  const first = options.first ?? 10;
  const everyMs = options.everyMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  let logged = 0;
  let counted = new Map<string, number>();
  let since = now();

  const summary = (): void => {
    const total = [...counted.values()].reduce((a, b) => a + b, 0);
    if (total > 0) {
      const seconds = Math.max(1, Math.round((now() - since) / 1000));
      const byReason = [...counted].map(([code, n]) => `${code} ${thousands(n)}`).join(', ');
      log('warn', `${service}: ${thousands(total)} more dead letters in the last ${seconds} s: ${byReason}`, {
        deadLetters: total,
      });
    }
    counted = new Map();
    since = now();
  };

  return {
    report: (event) => {
      if (event.kind !== 'dead-lettered' && event.kind !== 'unmatched') return;
      const code = event.kind === 'unmatched' ? 'unmatched' : event.code;
      if (logged < first) {
        logged++;
        const id = event.id === undefined ? 'unreadable' : String(event.id);
        log('warn', `${service}: dead letter on ${event.topic} (id ${id}): ${event.reason}`, {
          topic: event.topic,
          id: event.id === undefined ? null : event.id,
          reason: code,
        });
        if (logged === first) since = now();
        return;
      }
      counted.set(code, (counted.get(code) ?? 0) + 1);
    },
    tick: () => {
      if (now() - since >= everyMs) summary();
    },
    flush: summary,
  };
}
