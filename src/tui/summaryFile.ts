/**
 * The metric's summary file (`metric_summary.json`, next to the metric log) as dashboard events, for a dashboard
 * that follows the log rather than a transport. The metric rewrites the file about once a second; it is read
 * again only when it changed, so an unchanged bad file is one problem, not one a second.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { catchError, exhaustMap, from, mergeMap, timer, type Observable } from 'rxjs';
import { errorMessage } from '../core/errors.js';
import { parseSummary, SUMMARY_FILE_NAME } from '../core/summaryBody.js';
import type { DashboardEvent } from './viewModel.js';

/** Milliseconds between two looks at the summary file: the metric rewrites it about once a second. */
export const DEFAULT_SUMMARY_POLL_MS = 1000;
/** A summary is a few kilobytes; a file much larger is not one, and is not read. */
const MAX_SUMMARY_BYTES = 1024 * 1024;

/** The summary file of the metric log `csvFile`: `metric_summary.json` in the same folder. */
export const summaryFileFor = (csvFile: string): string => join(dirname(csvFile), SUMMARY_FILE_NAME);

// Moved to the summary's own module, where the plot's merge reads partition summaries with it too.
export { parseSummary } from '../core/summaryBody.js';

/**
 * Looks at `file` every `pollMs` and emits a `summary` event when it changed: the summary read, or `undefined`
 * when the file is missing (figures then show as unknown: the metric may not have started). A file that is not a
 * summary is one `malformed` event, and the summary shown before is kept.
 */
export function summaryFileEvents(
  file: string,
  pollMs: number = DEFAULT_SUMMARY_POLL_MS,
): Observable<DashboardEvent> {
  let seen: string | undefined;
  const look = async (): Promise<DashboardEvent[]> => {
    const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const version = st === undefined ? 'missing' : `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (version === seen) return [];
    seen = version;
    if (st === undefined) return [{ kind: 'summary', summary: undefined }];
    if (st.size > MAX_SUMMARY_BYTES)
      return [
        { kind: 'malformed', reason: `${file}: ${st.size} bytes is too large for a summary`, count: 1 },
      ];
    const parsed = parseSummary(await readFile(file, 'utf8'));
    return [
      parsed.ok
        ? { kind: 'summary', summary: parsed.value }
        : { kind: 'malformed', reason: `${file}: ${parsed.reason}`, count: 1 },
    ];
  };
  return timer(0, pollMs).pipe(
    exhaustMap(() =>
      from(look()).pipe(
        mergeMap((events) => events),
        catchError((e: unknown) => {
          // Read again next time: the failure (permissions, a file system hiccup) may pass.
          seen = undefined;
          const problem: DashboardEvent = {
            kind: 'malformed',
            reason: `${file}: ${errorMessage(e)}`,
            count: 0,
          };
          return [problem];
        }),
      ),
    ),
  );
}
