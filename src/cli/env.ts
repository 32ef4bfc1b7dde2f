/**
 * PIPELINE_<OPTION> variables for the options of a command (e.g. PIPELINE_JOIN_TTL for --join-ttl). Unlike yargs'
 * `.env()`, a variable meant for another command is ignored rather than refused by `.strict()`, so one
 * environment can serve every service.
 */
import type { Options } from 'yargs';
import { errorMessage } from '../core/errors.js';
import { UsageError } from './usageError.js';

/** The variable that sets option `key`: `join-ttl` -> `PIPELINE_JOIN_TTL`. */
export const envName = (key: string): string => `PIPELINE_${key.replace(/-/g, '_').toUpperCase()}`;

/**
 * The options with each set variable turned into the option's default, and the variable named in its help. A
 * value that does not fit its option is an error that names the variable. An option that converts its value
 * (`coerce`, e.g. a duration) converts the variable's too, and its errors name the flag or the variable: yargs
 * reports a conversion's message alone.
 */
export function withEnv<O extends Record<string, Options>>(
  options: O,
  env: NodeJS.ProcessEnv = process.env,
): O {
  const out: Record<string, Options> = {};
  for (const [key, option] of Object.entries(options)) {
    const name = envName(key);
    const raw = env[name];
    const describe = `${option.describe ?? ''} [env ${name}]`;
    const coerce: Coerce | undefined = option.coerce;
    const named = coerce ? { coerce: naming(`--${key}`, coerce) } : {};
    out[key] =
      raw === undefined || raw === ''
        ? { ...option, ...named, describe }
        : {
            ...option,
            ...named,
            describe,
            default: coerce ? naming(name, coerce)(raw) : fromEnv(name, raw, option),
            // The value shown in --help is the variable's; a description of the built-in default would mislead.
            defaultDescription: undefined,
          };
  }
  // Each key of `options` is in `out`, with the same kind of option: only describe, default and the wording of
  // a conversion error changed.
  return out as O;
}

type Coerce = (value: unknown) => unknown;

/** `coerce` with `subject` (a flag or a variable) put before the message of what it throws. */
const naming =
  (subject: string, coerce: Coerce): Coerce =>
  (value) => {
    try {
      return coerce(value);
    } catch (e) {
      throw new UsageError(`${subject} ${errorMessage(e)}`);
    }
  };

function fromEnv(name: string, raw: string, option: Options): string | number | boolean {
  if (option.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name}=${raw} is not a number`);
    return n;
  }
  if (option.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new UsageError(`${name}=${raw} is not a boolean (true/false, 1/0, yes/no, on/off)`);
  }
  const choices = option.choices as readonly unknown[] | undefined;
  if (choices && !choices.includes(raw))
    throw new UsageError(`${name}=${raw} is not one of ${choices.join(', ')}`);
  return raw;
}
