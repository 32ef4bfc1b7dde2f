/**
 * Programs the compose tests borrow from the machine (docker-compose, promtool, rabbitmq-diagnostics): where
 * they are, and what a test does when one is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/** The program's path, looked up on PATH and in the sbin folders brokers install to. */
export function which(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs
    .filter((d) => d.startsWith('/'))
    .map((d) => join(d, program))
    .find((p) => existsSync(p));
}

/**
 * Skips, loudly. In CI (REQUIRE_BROKERS=1: .ci/run installs and starts what these tests need) a missing program
 * fails the test instead, unless it is `optional` (Docker's v2 plugin: no Debian package, so CI cannot have it).
 */
export function skipLoudly(t: TestContext, why: string, optional = false): void {
  if (process.env.REQUIRE_BROKERS === '1' && !optional)
    assert.fail(`${why}, and REQUIRE_BROKERS=1 forbids skipping`);
  process.stderr.write(`\n!!!!!!!!!! SKIPPING: ${why} !!!!!!!!!!\n`);
  t.skip(why);
}

/** A clean environment for a program: only what a user's shell would set for this check. */
export const cleanShell = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...vars,
});
