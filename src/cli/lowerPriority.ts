/**
 * The plot is best-effort: a PNG a few milliseconds late costs nothing, a record held up behind a render does
 * (on two cores a 30–50 ms render shows in the pipeline's p99 latency). So the plot's thread asks the scheduler to
 * run it after the services: nice 10.
 *
 * On Linux a thread has a priority of its own, addressed by its thread id, so the one-process pipeline lowers just
 * its plot worker thread. Elsewhere only a whole process can be lowered: `thread` is then a no-op.
 */
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/** The kernel's id of the calling thread, where the system tells it (Linux: /proc/thread-self -> <pid>/task/<tid>). */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the priority of the calling thread (`thread`) or of this whole process (`process`); returns whether it
 * did. Never throws: a system that refuses leaves the plot at normal priority, which is only slower for others.
 */
export function lowerPriority(scope: 'thread' | 'process'): boolean {
  const id = scope === 'process' ? process.pid : threadId();
  if (id === undefined) return false;
  try {
    setPriority(id, constants.priority.PRIORITY_BELOW_NORMAL);
    return true;
  } catch {
    return false;
  }
}
