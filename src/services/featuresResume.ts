/**
 * Where a features process starts: the saved run continued, or a new one. A restarted process finds its
 * unfinished run in the state file and picks it up at the first record not known to be published (see
 * featuresState.ts); a finished run, another --run-id or --fresh starts a new run instead.
 *
 * @example
 * ```ts
 * const run = await openFeaturesRun(defaultStateFile('logs'), { count: 1000 });
 * featuresService(transport, rows, { ...run.serviceOptions, onWatermark: run.progress });
 * // …once the service completed:
 * await run.close();
 * ```
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { newRunId } from '../core/recordIds.js';
import { featuresStateSaver, loadFeaturesState, type FeaturesState } from './featuresState.js';

/** What the command line asks for; every field may be left out. */
export interface FeaturesRunRequest {
  /** A new run's id; a saved run is continued only when it has this id. */
  readonly runId?: string | undefined;
  /** A new run's seed; a continued run keeps its own, so that its records keep their rows. */
  readonly seed?: number | undefined;
  /** Records of the run in all, replacing a continued run's own count. */
  readonly count?: number | undefined;
  /** Start a new run even when the saved one is unfinished. */
  readonly fresh?: boolean | undefined;
}

/** Where the run starts. */
export interface FeaturesRunPlan {
  /** The state to save first: `next` is where publishing starts, `count` is null for an endless run. */
  readonly state: FeaturesState;
  /** The saved run is continued (rather than a new one started). */
  readonly resumed: boolean;
  /** Records of the run in all; Infinity for an endless run. */
  readonly count: number;
}

/** Where a new run's id and seed come from when the request leaves them out (random by default). */
export interface NewRunIds {
  runId(): string;
  seed(): number;
}

const randomIds: NewRunIds = { runId: newRunId, seed: () => Math.floor(Math.random() * 2 ** 32) };

/** Decides where the run starts, from the saved state (undefined when there is none) and the request. Pure. */
export function planFeaturesRun(
  saved: FeaturesState | undefined,
  request: FeaturesRunRequest,
  ids: NewRunIds = randomIds,
): FeaturesRunPlan {
  const resumed =
    request.fresh !== true &&
    saved !== undefined &&
    !saved.finished &&
    (request.runId === undefined || request.runId === saved.runId);
  const start: FeaturesState =
    resumed && saved !== undefined
      ? saved
      : {
          version: 1,
          runId: request.runId ?? ids.runId(),
          seed: request.seed ?? ids.seed(),
          next: 0,
          count: request.count ?? null,
          finished: false,
        };
  const count = request.count ?? start.count ?? Infinity;
  return { state: { ...start, count: Number.isFinite(count) ? count : null }, resumed, count };
}

/** The one line that tells the user which run this is. */
export function describeFeaturesRun(plan: FeaturesRunPlan, stateFile: string): string {
  const { runId, next } = plan.state;
  const finite = Number.isFinite(plan.count);
  return plan.resumed
    ? `features: resuming run ${runId} at record ${next}${finite ? ` of ${plan.count}` : ''}`
    : `features: run ${runId}${finite ? `, ${plan.count} records` : ''} (progress in ${stateFile})`;
}

/** The state file of this machine's features process, so that replicas on other hosts keep their own. */
export function defaultStateFile(logDir: string, host: string = hostname()): string {
  return join(logDir, `features-${host}.state.json`);
}

export interface FeaturesRun extends FeaturesRunPlan {
  readonly stateFile: string;
  /** The options of featuresService that place the run: its id, seed, first record and count. */
  readonly serviceOptions: { runId: string; seed: number; startSequence: number; count: number };
  /** For featuresService's onWatermark (a function of its own, no `this`): every record below `next` is published. */
  readonly progress: (next: number) => void;
  /** Saves the last progress; the run is saved as finished when its last record was published. */
  close(): Promise<void>;
}

/**
 * Loads the state file (unless `fresh`; a damaged one is an error that names the way out), plans the run, and
 * starts saving its progress. The file's folder is created. Call `close` once the service completed.
 */
export async function openFeaturesRun(
  stateFile: string,
  request: FeaturesRunRequest,
  ids: NewRunIds = randomIds,
): Promise<FeaturesRun> {
  await mkdir(dirname(stateFile), { recursive: true });
  const saved = request.fresh === true ? undefined : await loadFeaturesState(stateFile);
  const plan = planFeaturesRun(saved, request, ids);
  const saver = featuresStateSaver(stateFile, plan.state);
  let reachedEnd = false;
  return {
    ...plan,
    stateFile,
    serviceOptions: {
      runId: plan.state.runId,
      seed: plan.state.seed,
      startSequence: plan.state.next,
      count: plan.count,
    },
    progress: (next) => {
      saver.update(next);
      if (next >= plan.count) reachedEnd = true;
    },
    close: () => saver.close(reachedEnd),
  };
}
