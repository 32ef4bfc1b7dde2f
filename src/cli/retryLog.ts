/**
 * Says plainly, in the log, when a service is stuck retrying a failure (a full disk, a broker refusing its
 * publishes) and when it works again. Without it such a stall showed only as a growing `retried` count in the
 * status line, while the service made no progress.
 *
 * One error line when a stall begins, repeated at most every `repeatMs` while it lasts (or at once when the
 * reason changes), and one line when the service makes progress again.
 *
 * @example
 * ```ts
 * const report = retryLog(terminal.log, 'metric');
 * events$.subscribe(report);
 * // error metric: writing logs/metric_log.csv failed, retrying: EFBIG: file too large, write
 * // info  metric: working again after 7 retries
 * ```
 */
import type { Logger } from '../core/log.js';
import type { ServiceEvent } from '../delivery/serviceEvents.js';

export function retryLog(
  log: Logger,
  service: string,
  repeatMs = 5_000,
  now: () => number = () => performance.now(),
): (event: ServiceEvent) => void {
  let retries = 0;
  let lastReason = '';
  let lastAt = -Infinity;
  return (event) => {
    if (event.kind === 'retried') {
      retries++;
      const t = now();
      if (event.reason === lastReason && t - lastAt < repeatMs) return;
      lastReason = event.reason;
      lastAt = t;
      log('error', `${service}: ${event.reason}`);
    } else if (
      retries > 0 &&
      (event.kind === 'joined' || event.kind === 'predicted' || event.kind === 'published')
    ) {
      log('info', `${service}: working again after ${retries} ${retries === 1 ? 'retry' : 'retries'}`);
      retries = 0;
      lastReason = '';
    }
  };
}
