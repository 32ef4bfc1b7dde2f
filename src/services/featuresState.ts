/**
 * The features service's progress on disk, so that a restarted process continues its run: same run id, same
 * seed, resuming at the first record not known to be published. Records between that point and where the
 * process died are sent again under their old ids (and absorbed by id downstream), never under new ones.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../files/writeFileAtomic.js';

export interface FeaturesState {
  readonly version: 1;
  readonly runId: string;
  readonly seed: number;
  /** Every record below this sequence has been taken by the transport. */
  readonly next: number;
  /** Records of the run in all; null for an endless run. */
  readonly count: number | null;
  readonly finished: boolean;
}

export class FeaturesStateError extends Error {
  override readonly name = 'FeaturesStateError';
}

/** The saved state, or undefined when there is none. A damaged file is an error: it names the way out. */
export async function loadFeaturesState(path: string): Promise<FeaturesState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FeaturesStateError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const bad = (why: string): FeaturesStateError =>
    new FeaturesStateError(`${path} is not a features state file (${why}): delete it or pass --fresh`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const s = v as Record<string, unknown>;
  if (s.version !== 1) throw bad('unknown version');
  if (typeof s.runId !== 'string' || s.runId === '') throw bad('no runId');
  if (typeof s.seed !== 'number' || !Number.isInteger(s.seed)) throw bad('no seed');
  if (typeof s.next !== 'number' || !Number.isInteger(s.next) || s.next < 0) throw bad('no next');
  if (s.count !== null && (typeof s.count !== 'number' || !Number.isInteger(s.count))) throw bad('bad count');
  if (typeof s.finished !== 'boolean') throw bad('no finished flag');
  return s as unknown as FeaturesState;
}

/** Saves progress at most every `everyMs` (atomically: a crash leaves the old file or the new one). */
export function featuresStateSaver(
  path: string,
  initial: FeaturesState,
  everyMs = 200,
): { update(next: number): void; close(finished: boolean): Promise<void> } {
  let state = initial;
  let saved: FeaturesState | undefined;
  let writing: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const snapshot = state;
    if (snapshot === saved) return writing;
    writing = writing
      .then(() => writeFileAtomic(path, `${JSON.stringify(snapshot)}\n`))
      .then(() => void (saved = snapshot));
    return writing;
  };
  const timer = setInterval(() => void save().catch(() => undefined), everyMs);
  void save().catch(() => undefined);
  return {
    update: (next) => {
      if (next > state.next) state = { ...state, next };
    },
    close: async (finished) => {
      clearInterval(timer);
      state = { ...state, finished };
      await writing.catch(() => undefined);
      await save();
    },
  };
}
