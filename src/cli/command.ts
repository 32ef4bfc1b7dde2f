/**
 * How every command of the CLI is made: a name, a describe text, a record of options and a handler that resolves
 * to the exit code. The handler's argv is typed from the option record, each option can be set as
 * PIPELINE_<OPTION> (see env.ts), an unknown option is an error (`.strict()`), and each option's own `check`
 * runs before the handler, so a command never validates its options by hand.
 *
 * @example
 * ```ts
 * export const helloCommand = defineCommand({
 *   name: 'hello',
 *   describe: 'greet someone',
 *   options: { times: { type: 'number', default: 1, describe: 'how often', check: positive } },
 *   handler: async ({ times }) => {
 *     process.stdout.write('hello\n'.repeat(times));
 *     return 0;
 *   },
 * });
 * ```
 */
import type { ArgumentsCamelCase, Argv, CommandModule, InferredOptionTypes, Options } from 'yargs';
import { withEnv } from './env.js';
import { configureLoggingFrom, logOptions } from './logSettings.js';

/** A yargs option, with a check of its parsed value (yargs ignores the extra key). */
export interface CliOption extends Options {
  /** Throws an Error naming `--flag` when `value` cannot be used; `value` is undefined when the option is unset. */
  readonly check?: (flag: string, value: unknown) => void;
}

export type CliOptions = Record<string, CliOption>;

/** The handler's argv: one camelCase property per option, typed from its record. */
export type CommandArgs<O extends CliOptions> = ArgumentsCamelCase<InferredOptionTypes<O>>;

export interface CommandSpec<O extends CliOptions> {
  /** The command's word on the command line; `$0` for the default command. */
  readonly name: string;
  /** One line for the command list and the top of its help. */
  readonly describe: string;
  /** The `service` of its log lines. @default its name (`pipeline` for `$0`) */
  readonly service?: string;
  readonly options: O;
  /** Shown under "Examples:" in the command's help: [command line, what it does]. */
  readonly examples?: readonly (readonly [string, string])[];
  /** Runs the command; resolves to the process's exit code. A rejection is reported by the CLI (exit 2). */
  readonly handler: (args: CommandArgs<O>) => Promise<number>;
}

/** A command as yargs takes it, with the names of its options (for the hints at a mistyped one). */
export type CliCommand<O extends CliOptions> = CommandModule<object, InferredOptionTypes<O>> & {
  readonly command: string;
  readonly optionNames: readonly string[];
};

export function defineCommand<O extends CliOptions>(spec: CommandSpec<O>): CliCommand<O> {
  return {
    command: spec.name,
    optionNames: [...Object.keys(spec.options), ...Object.keys(logOptions)],
    describe: spec.describe,
    builder: (y: Argv) =>
      (spec.examples ?? []).reduce(
        (out, [command, description]) => out.example(command, description),
        y.options(withEnv({ ...spec.options, ...logOptions })).strict(),
      ),
    handler: async (args) => {
      // Before anything can log: the checks below may already have something to say.
      configureLoggingFrom(args, spec.service ?? serviceName(spec.name));
      checkArgs(spec.options, args);
      process.exitCode = await spec.handler(args);
    },
  };
}

/** The `service` of a command's log lines: the default command is the whole pipeline. */
const serviceName = (command: string): string => (command === '$0' ? 'pipeline' : command);

/** Runs each option's check, in the order of the record (the first bad option is the one reported). */
function checkArgs(options: CliOptions, args: object): void {
  const values = new Map(Object.entries(args));
  for (const [key, option] of Object.entries(options))
    option.check?.(key, values.get(key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())));
}

const shown = (value: unknown): string => (typeof value === 'number' ? String(value) : JSON.stringify(value));

const numberCheck =
  (allowZero: boolean) =>
  (flag: string, value: unknown): void => {
    if (value === undefined) return;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && (allowZero || value > 0)) return;
    throw new Error(
      `--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${shown(value)}`,
    );
  };

/** A check: the value, when set, is a finite number above 0. */
export const positive = numberCheck(false);
/** A check: the value, when set, is a finite number of 0 or more. */
export const nonNegative = numberCheck(true);

/** A check: the value, when set, is a whole number (a count, a seed): `--count 2.5` is refused, not rounded. */
export const integer = (flag: string, value: unknown): void => {
  if (value === undefined || Number.isSafeInteger(value)) return;
  throw new Error(`--${flag} must be a whole number, got ${shown(value)}`);
};

/** A check: the value, when set, is a whole number above 0 (a size, a capacity). */
export const positiveInteger = (flag: string, value: unknown): void => {
  integer(flag, value);
  if (typeof value === 'number' && value < 1)
    throw new Error(`--${flag} must be a positive integer, got ${shown(value)}`);
};
