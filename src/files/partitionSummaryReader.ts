/**
 * Reads the partition metrics' summaries beside a summary file: for `logs/metric_summary.json`, every
 * `logs/metric_summary.<p>.json` (as `pipeline metric --partitions N --partition p` names its own). The folder is
 * listed on every read, so a partition that starts later is picked up; a file is read again only when it changed
 * (inode, size or modification time), so an unchanged bad file is one problem, not one per read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseSummary, type SummaryBody } from '../core/summaryBody.js';
import type { PartitionSummary } from '../core/summaryMerge.js';
import { fsReason } from './fsReason.js';
import { partitionOfFile } from './partitionedLogReader.js';

/** A summary is a few kilobytes; a file much larger is not one, and is not read. */
const MAX_SUMMARY_BYTES = 1024 * 1024;

/** What one read found. */
export interface PartitionSummaries {
  /** The partition summaries that could be read, by partition. */
  readonly summaries: readonly PartitionSummary[];
  /** Partition summary files found, readable or not. */
  readonly found: number;
  /** Files that cannot be read as a summary now. */
  readonly unreadable: number;
  /** Why, for each file that became unreadable since the previous read (or changed and is still unreadable). */
  readonly problems: readonly string[];
}

export interface PartitionSummaryReader {
  read(): Promise<PartitionSummaries>;
}

type Looked = { readonly version: string } & (
  { readonly summary: SummaryBody } | { readonly problem: string }
);

const isErrno = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException | null)?.code === code;

/**
 * The reader of the partition summaries of `summaryFile` (see the module comment). Never rejects: a file that
 * cannot be listed, read or parsed is a problem in the result, reported once per version of the file.
 *
 * @example
 * ```ts
 * const { summaries, problems } = await createPartitionSummaryReader('logs/metric_summary.json').read();
 * ```
 */
export function createPartitionSummaryReader(summaryFile: string): PartitionSummaryReader {
  const dir = dirname(summaryFile);
  const name = basename(summaryFile);
  let known = new Map<string, Looked>();
  let listProblem: string | undefined;

  const look = async (file: string, before: Looked | undefined): Promise<Looked | undefined> => {
    const path = join(dir, file);
    try {
      const st = await stat(path);
      const version = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (before?.version === version) return before;
      if (st.size > MAX_SUMMARY_BYTES)
        return { version, problem: `${path}: ${st.size} bytes is too large for a summary` };
      const parsed = parseSummary(await readFile(path, 'utf8'));
      return parsed.ok
        ? { version, summary: parsed.value }
        : { version, problem: `${path}: not a summary: ${parsed.reason}` };
    } catch (e) {
      // Gone since the folder was listed: as if it had not been there.
      if (isErrno(e, 'ENOENT')) return undefined;
      const problem = `${path}: ${fsReason(e)}`;
      const version = `error ${problem}`;
      return before?.version === version ? before : { version, problem };
    }
  };

  const read = async (): Promise<PartitionSummaries> => {
    const problems: string[] = [];
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => partitionOfFile(name, n) !== undefined);
      listProblem = undefined;
    } catch (e) {
      names = [];
      const problem = isErrno(e, 'ENOENT') ? undefined : `${dir}: ${fsReason(e)}`;
      if (problem !== undefined && problem !== listProblem) problems.push(problem);
      listProblem = problem;
    }
    const now = new Map<string, Looked>();
    const summaries: PartitionSummary[] = [];
    let unreadable = 0;
    for (const file of names) {
      const before = known.get(file);
      const looked = await look(file, before);
      if (looked === undefined) continue;
      now.set(file, looked);
      if ('summary' in looked)
        summaries.push({ partition: partitionOfFile(name, file)!, summary: looked.summary });
      else {
        unreadable++;
        if (looked !== before) problems.push(looked.problem);
      }
    }
    known = now;
    summaries.sort((a, b) => a.partition - b.partition);
    return { summaries, found: now.size, unreadable, problems };
  };

  return { read };
}
