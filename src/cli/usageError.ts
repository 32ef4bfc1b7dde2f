/**
 * A command line or environment the CLI cannot use (a bad option value, a variable that does not fit its option):
 * reported in one line with exit code 2, like yargs' own refusals, rather than as a failure of the command (1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
