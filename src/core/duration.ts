/**
 * Durations as people type them: `500ms`, `2s`, `1.5s`, `2m`, `1h`, or a plain number of milliseconds (`250`),
 * so that a value written before units were accepted keeps its meaning. Pure.
 *
 * ```
 * duration := amount [ unit ]      no space between them, nothing around them
 * amount   := digits [ "." digits ] | "." digits
 * unit     := ms | s | m | h       none: milliseconds
 * ```
 */

/** Milliseconds in one of each unit a duration may carry (shared with the `for` of alert rules). */
export const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export type DurationUnit = keyof typeof DURATION_UNITS_MS;

/** The accepted forms, for help texts and error messages. */
export const DURATION_FORMS =
  'milliseconds as a plain number (500), or a number with ms, s, m or h (500ms, 2s, 1.5s, 2m, 1h)';

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/;
const UNIT_SIZES: ReadonlyMap<string, number> = new Map(Object.entries(DURATION_UNITS_MS));

/**
 * The milliseconds `text` stands for, or `undefined` when it is not a duration (empty, negative, a space before
 * the unit, an unknown unit, an exponent). Zero is a duration; whether it is allowed is the caller's business.
 *
 * @example
 * ```ts
 * parseDuration('1.5s'); // 1500
 * parseDuration('250'); // 250
 * parseDuration('5 s'); // undefined
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const [, amount = '', unit = 'ms'] = m;
  const size = UNIT_SIZES.get(unit);
  return size === undefined ? undefined : Number(amount) * size;
}

/**
 * `ms` in the largest unit that writes it as a whole number: 30000 → `30s`, 120000 → `2m`, 1500 → `1500ms`.
 * `parseDuration` reads the result back as `ms`.
 */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = DURATION_UNITS_MS[unit];
    if (ms > 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
