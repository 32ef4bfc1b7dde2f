/**
 * Options that take a duration (`--interval 2s`, `PIPELINE_JOIN_TTL=1m`): yargs turns what was typed into
 * milliseconds before anything else sees it, so handlers and checks still get a number of ms, and a plain number
 * keeps meaning milliseconds as it always did.
 *
 * @example
 * ```ts
 * const options = { 'join-ttl': durationOption({ default: 60_000, describe: 'how long a record waits', check: positive }) };
 * // --join-ttl 90s -> argv.joinTtl === 90000; --join-ttl 5x -> exit 2, naming the flag, the value and the forms
 * ```
 */
import { DURATION_FORMS, formatDuration, parseDuration } from '../core/duration.js';
import type { CliOption } from './command.js';

/** The longest wait a Node.js timer keeps (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

const LONGEST = formatDuration(Math.floor(MAX_DURATION_MS / 3_600_000) * 3_600_000);

/** What `--help` shows after the option's description. */
export const DURATION_HELP = '[duration: ms, or 500ms/2s/1.5m/1h]';

/**
 * Milliseconds from an option's value: a number yargs already read (plain milliseconds) or text with a unit.
 * The error says what is wrong but not where it was given: env.ts prefixes the flag or the variable.
 */
export function toMilliseconds(value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms < 0)
    throw new Error(`must be a duration, got ${JSON.stringify(value)}: ${DURATION_FORMS}`);
  if (ms > MAX_DURATION_MS)
    throw new Error(`must be at most ${LONGEST}, the longest a timer waits, got ${JSON.stringify(value)}`);
  return ms;
}

/** A duration option: its value reaches the handler and its `check` as milliseconds. */
export const durationOption = <
  S extends { readonly describe: string; readonly default?: number } & CliOption,
>(
  spec: S,
) => ({
  ...spec,
  describe: `${spec.describe} ${DURATION_HELP}`,
  requiresArg: true,
  coerce: toMilliseconds,
});
