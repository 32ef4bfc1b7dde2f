/**
 * Waiting, for the tests, the benchmarks and the fault scenarios alike: `sleep` for a fixed pause, `until` to
 * poll a condition. A timeout here detects a hang; it is never a timing check.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Something else a wait keeps an eye on, whose trouble ends the wait early: `ServiceProcesses` is one. */
export interface Watched {
  /** Why waiting on is pointless (a process died), or undefined while all is well. Polled before each pause. */
  failure(): string | undefined;
  /** What it is doing, appended to the message of a failed wait (the processes' output, the screen). */
  report(): string;
}

export interface UntilOptions {
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** The pause between two checks. @default 10 */
  readonly intervalMs?: number;
  /** Fails the wait as soon as it reports a failure, and adds its report to every failure message. */
  readonly watch?: Watched;
}

/**
 * Resolves with the first result of `attempt` that does not throw, trying again every `intervalMs`; after
 * `timeoutMs`, rejects with the last error, saying what it tried. For a server that answers with errors for a
 * while (a cluster electing leaders), where `until` would end at the first one.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  what: string,
  options: Pick<UntilOptions, 'timeoutMs' | 'intervalMs'> = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 10 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`${what}: ${String(e)}`);
      await sleep(intervalMs);
    }
  }
}

/**
 * Resolves with the first result of `check` that is neither `undefined` nor `false`, checking every
 * `intervalMs`; rejects after `timeoutMs`, or as soon as `watch` reports a failure, saying what it waited for.
 * An error thrown by `check` ends the wait with that error.
 *
 * @example
 * ```ts
 * await until(() => got.length === 3, 'three deliveries');
 * const rows = await until(async () => ((await count()) >= 100 ? count() : undefined), '100 rows', {
 *   timeoutMs: 60_000,
 *   intervalMs: 200,
 *   watch: procs,
 * });
 * ```
 */
export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  options: UntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 10, watch } = options;
  const report = (): string => (watch ? `\n${watch.report()}` : '');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    const failure = watch?.failure();
    if (failure !== undefined) throw new Error(`waiting for ${what}: ${failure}${report()}`);
    if (performance.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${report()}`);
    await sleep(intervalMs);
  }
}
