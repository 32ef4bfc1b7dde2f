/**
 * Drift injected on purpose, so that anyone can watch it being detected: `--inject-drift bmi=0.05@10000` adds
 * 0.05 (in the data set's units) to feature `bmi` of every record from sequence number 10,000 on. Only the feature
 * vectors change; the true targets stay as they were, so the model's error moves too. Pure.
 *
 * @example
 * ```ts
 * const shift = compileDriftInjections([parseDriftInjection('bmi=0.05@10000', names)], names);
 * shift(x, 12_000); // a copy of x with 0.05 added to x[names.indexOf('bmi')]
 * ```
 */

export interface DriftInjection {
  readonly feature: string;
  /** Added to the feature's value, in the data set's units. */
  readonly delta: number;
  /** The first record (0-based sequence number, as `features` counts them) that is shifted. */
  readonly fromRecord: number;
}

/** A wrong `--inject-drift` value; the message names it and says what was expected. */
export class DriftInjectionError extends Error {
  override readonly name = 'DriftInjectionError';
}

const FORM = /^\s*([^=\s]+)\s*=\s*([^@\s]+)\s*@\s*(\S+)\s*$/;

/** Parses `FEATURE=DELTA@RECORD`, checking FEATURE against the data set's features. */
export function parseDriftInjection(text: string, featureNames: readonly string[]): DriftInjection {
  const bad = (why: string): never => {
    throw new DriftInjectionError(`--inject-drift ${JSON.stringify(text)}: ${why}`);
  };
  const m = FORM.exec(text);
  if (m === null) return bad('expected FEATURE=DELTA@RECORD, e.g. bmi=0.05@10000');
  const [, feature = '', deltaText = '', recordText = ''] = m;
  if (!featureNames.includes(feature))
    bad(`unknown feature ${JSON.stringify(feature)}; the data set has ${featureNames.join(', ')}`);
  const delta = Number(deltaText);
  if (!Number.isFinite(delta)) bad(`DELTA must be a finite number, got ${JSON.stringify(deltaText)}`);
  const fromRecord = Number(recordText);
  if (!/^\d+$/.test(recordText) || !Number.isSafeInteger(fromRecord))
    bad(`RECORD must be a whole number ≥ 0 (a record's sequence number), got ${JSON.stringify(recordText)}`);
  return { feature, delta, fromRecord };
}

/** The values of a repeatable option, each possibly several injections separated by `;` (as in its variable). */
export function parseDriftInjections(
  values: readonly string[],
  featureNames: readonly string[],
): DriftInjection[] {
  return values
    .flatMap((v) => v.split(';'))
    .filter((s) => s.trim() !== '')
    .map((v) => parseDriftInjection(v, featureNames));
}

/**
 * The vector of record `sequence`, shifted by every injection in force: `x` itself when none is (so unshifted rows
 * keep their pre-encoded form), otherwise a fresh copy.
 */
export type VectorShift = (x: readonly number[], sequence: number) => readonly number[];

export function compileDriftInjections(
  injections: readonly DriftInjection[],
  featureNames: readonly string[],
): VectorShift | undefined {
  if (injections.length === 0) return undefined;
  const steps = injections.map((i) => ({ ...i, index: featureNames.indexOf(i.feature) }));
  const first = Math.min(...steps.map((s) => s.fromRecord));
  return (x, sequence) => {
    if (sequence < first) return x;
    const shifted = [...x];
    for (const s of steps) if (sequence >= s.fromRecord) shifted[s.index] = (shifted[s.index] ?? 0) + s.delta;
    return shifted;
  };
}
