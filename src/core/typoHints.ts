/**
 * What to tell someone who mistyped a command or an option: the closest word that exists. Pure: it reads the
 * command line as typed, before or beside the parser, which reports the error itself.
 */
import { closestWord } from './closestWord.js';

/**
 * The message for a command line that starts with a word that is no command, or `undefined`. The default
 * command takes no words, only options, so a leading word can only be a command.
 *
 * @example
 * ```ts
 * unknownCommand(['metrc', '--count', '5'], ['features', 'metric']); // 'unknown command "metrc". Did you mean metric?'
 * unknownCommand(['--count', '5'], ['features', 'metric']); // undefined: the default command
 * ```
 */
export function unknownCommand(argv: readonly string[], commands: readonly string[]): string | undefined {
  const word = argv[0];
  if (word === undefined || word.startsWith('-') || commands.includes(word)) return undefined;
  const guess = closestWord(word, commands);
  return guess !== undefined
    ? `unknown command "${word}". Did you mean ${guess}?`
    : `unknown command "${word}"; the commands are ${commands.join(', ')}, or none to run them all`;
}

/** `logDir` -> `log-dir`: yargs takes either spelling of an option. */
const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * A hint for each `--option` on the command line that is none of `options` (names without dashes), when one of
 * them is close: `--intervall: did you mean --interval?`. `--no-<option>` counts as `--<option>`; nothing after
 * `--` is an option.
 *
 * @example
 * ```ts
 * optionHints(['--intervall', '5', '--count=3'], ['interval', 'count']); // ['--intervall: did you mean --interval?']
 * ```
 */
export function optionHints(argv: readonly string[], options: readonly string[]): string[] {
  const hints: string[] = [];
  for (const token of argv) {
    if (token === '--') break;
    const name = /^--([^=]+)/.exec(token)?.[1];
    if (name === undefined) continue;
    const plain = kebab(name);
    const negated = plain.startsWith('no-') ? plain.slice(3) : undefined;
    if (options.includes(plain) || (negated !== undefined && options.includes(negated))) continue;
    const near = closestWord(plain, options);
    const nearNegated = negated !== undefined ? closestWord(negated, options) : undefined;
    const guess = near ?? (nearNegated !== undefined ? `no-${nearNegated}` : undefined);
    if (guess !== undefined) hints.push(`--${name}: did you mean --${guess}?`);
  }
  return hints;
}
