/** Clocks shared by the benchmarks. */

/**
 * Wall-clock time in milliseconds with sub-millisecond resolution. The one clock compared across processes: the
 * CLI's log timestamps, the raw scripts' stamps and the CSV tail's sightings are all wall-clock times.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Epoch milliseconds of a log line's leading ISO timestamp (`2026-01-01T00:00:00.000Z info …`), if it has one. */
export function logLineTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\s/.exec(line);
  return m ? Date.parse(m[1] as string) : undefined;
}
