#!/usr/bin/env node
import { main } from './cli/main.js';
import { errorMessage } from './core/errors.js';

/**
 * Once a command has finished, nothing it started should keep the process alive. Should a library leave a
 * handle open anyway (nats.js can complete a reconnect it had under way when its connection was closed), a
 * finished service must still exit: after a grace period for the last writes, end it with the code it set.
 */
const EXIT_GRACE_MS = 3_000;

main()
  .then(() => {
    setTimeout(() => {
      process.stderr.write(
        `pipeline: still running ${EXIT_GRACE_MS} ms after finishing (a connection left open); exiting\n`,
      );
      process.exit(process.exitCode ?? 0);
    }, EXIT_GRACE_MS).unref();
  })
  .catch((error: unknown) => {
    process.stderr.write(`pipeline: ${errorMessage(error)}\n`);
    process.exit(1);
  });
