/**
 * How a command ends when its broker connection can never succeed as configured (refused credentials, unknown
 * virtual host, untrusted certificate, malformed URL): at once, with one line naming the cause and the fix, and
 * exit code 77 (EX_NOPERM in sysexits.h), so that scripts and supervisors can tell a configuration to fix from a
 * crash to restart.
 */
import type { PermanentConnectionError } from '../core/connectionFailure.js';
import type { Logger } from '../core/log.js';

/** The exit code of a command whose broker connection failed permanently. */
export const EXIT_PERMANENT_CONNECTION_FAILURE = 77;

/**
 * The transports' `onPermanentFailure` for a command: logs the failure and exits. Exiting at once is safe: no
 * delivery is acked before its effect is durable, so whatever was in flight is delivered again, exactly as after
 * a crash, which the pipeline is built to absorb; and a draining stop would only wait on a connection that will
 * never come.
 */
export function exitOnPermanentFailure(log: Logger): (failure: PermanentConnectionError) => never {
  return (failure) => {
    log('error', failure.message);
    process.exit(EXIT_PERMANENT_CONNECTION_FAILURE);
  };
}
