/**
 * How the bench starts programs: the CLI (compiled under `npm run bench`, through tsx under `npx tsx bench/run.ts`,
 * exactly as the tests do) and the bench's own raw-broker scripts.
 */
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AMQP_URL, NATS_URL } from '../../harness/brokers.js';
import { cliCommand, REPO_ROOT } from '../../harness/cli.js';
import type { ProgramProcessSpec } from '../../harness/serviceProcesses.js';
import type { BrokerTransport } from './options.js';

export { REPO_ROOT };
export { AMQP_URL, NATS_URL };

const here = dirname(fileURLToPath(import.meta.url));
/** True when running from dist/ (`npm run bench`): figures then describe what users run. */
export const COMPILED = here.split(sep).includes('dist');
const BENCH_ROOT = resolve(here, '..');

/** A program for `ServiceProcesses.start`: the CLI with these arguments, with extra node flags (--cpu-prof). */
export function cliProgram(
  args: readonly string[],
  options: { nodeArgs?: readonly string[]; exitsByItself?: boolean } = {},
): ProgramProcessSpec {
  const { command, argv } = cliCommand(args);
  return {
    executable: command,
    args: [...(options.nodeArgs ?? []), ...argv],
    exitsByItself: options.exitsByItself ?? false,
  };
}

/** A script of bench/ (e.g. `raw/amqp`) as a program, compiled or through tsx like the bench itself. */
export function benchScript(name: string, args: readonly string[], exitsByItself = true): ProgramProcessSpec {
  const file = join(BENCH_ROOT, `${name}${COMPILED ? '.js' : '.ts'}`);
  return {
    executable: process.execPath,
    args: COMPILED ? [file, ...args] : ['--import', 'tsx', file, ...args],
    exitsByItself,
  };
}

/** The CLI options that select a broker transport, URL included (services started by the bench inherit no env). */
export function transportArgs(t: BrokerTransport): string[] {
  switch (t) {
    case 'amqp':
      return ['--transport=amqp', `--url=${AMQP_URL}`];
    case 'nats':
      return ['--transport=nats', '--nats-mode=jetstream', `--url=${NATS_URL}`];
    case 'nats-core':
      return ['--transport=nats', '--nats-mode=core', `--url=${NATS_URL}`];
  }
}

/** A run id unique to one benchmark run: the prefix of its record ids (`<run>-<sequence>`). */
export const benchRunId = (): string =>
  `bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The sequence number of a record id `<run>-<sequence>`, or NaN. */
export function sequenceOf(id: string): number {
  const dash = id.lastIndexOf('-');
  return dash === -1 ? NaN : Number(id.slice(dash + 1));
}
