/**
 * Duration and whole-number options as a command receives them: units turned into milliseconds before the
 * handler, fractions refused, and each refusal naming the flag or the variable, the value and what is accepted.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import yargs from 'yargs';
import {
  defineCommand,
  integer,
  positive,
  positiveInteger,
  type CommandArgs,
} from '../../src/cli/command.js';
import {
  DURATION_HELP,
  MAX_DURATION_MS,
  durationOption,
  toMilliseconds,
} from '../../src/cli/durationOption.js';

const options = {
  every: durationOption({ default: 1000, describe: 'time between ticks' }),
  'wait-for': durationOption({ describe: 'how long to wait', check: positive }),
  count: { type: 'number', describe: 'how many', check: positiveInteger },
  seed: { type: 'number', describe: 'seed', check: integer },
} as const;

async function parse(argv: string[]): Promise<CommandArgs<typeof options> | undefined> {
  let seen: CommandArgs<typeof options> | undefined;
  const command = defineCommand({
    name: 'go',
    describe: 'a test command',
    options,
    handler: (args) => {
      seen = args;
      return Promise.resolve(0);
    },
  });
  await yargs(argv).command(command).fail(false).exitProcess(false).parseAsync();
  return seen;
}

describe('durationOption', () => {
  afterEach(() => {
    delete process.env.PIPELINE_EVERY;
    process.exitCode = 0;
  });

  it('hands the handler milliseconds, whether typed with a unit or as a plain number', async () => {
    const args = await parse(['go', '--every', '1.5s', '--wait-for', '2m']);
    const ms: number | undefined = args?.waitFor; // typed as a number, not as what was typed
    assert.equal(args?.every, 1500);
    assert.equal(ms, 120_000);
    assert.equal((await parse(['go', '--every', '250']))?.every, 250);
    assert.equal((await parse(['go', '--every', '0']))?.every, 0);
    assert.equal((await parse(['go']))?.every, 1000, 'the default');
    assert.equal((await parse(['go']))?.waitFor, undefined, 'unset without a default');
  });

  it('refuses what is no duration, naming the flag, the value and the forms', async () => {
    for (const bad of ['5 s', '5x', '-5', '', '1d'])
      await assert.rejects(
        parse(['go', '--every', bad]),
        (e: Error) =>
          e.message.startsWith(
            `--every must be a duration, got ${JSON.stringify(bad.startsWith('-') ? -5 : bad)}`,
          ) && e.message.includes('500ms, 2s, 1.5s, 2m, 1h'),
        bad,
      );
    await assert.rejects(parse(['go', '--every', '1000h']), /--every must be at most 596h/);
  });

  it("still runs the option's check on the milliseconds", async () => {
    await assert.rejects(parse(['go', '--wait-for', '0s']), /--wait-for must be a positive number, got 0/);
  });

  it('reads PIPELINE_<OPTION> with units too, and names the variable when it is no duration', async () => {
    process.env.PIPELINE_EVERY = '2s';
    assert.equal((await parse(['go']))?.every, 2000);
    assert.equal((await parse(['go', '--every', '3s']))?.every, 3000, 'the flag wins');
    process.env.PIPELINE_EVERY = '2 s';
    await assert.rejects(parse(['go']), /^UsageError: PIPELINE_EVERY must be a duration, got "2 s"/);
  });

  it('says in --help which forms it takes', () => {
    assert.ok(options.every.describe.endsWith(DURATION_HELP));
    assert.match(DURATION_HELP, /500ms/);
  });

  it('takes numbers yargs already read, up to the longest timer', () => {
    assert.equal(toMilliseconds(1e3), 1000);
    assert.equal(toMilliseconds(MAX_DURATION_MS), MAX_DURATION_MS);
    assert.throws(() => toMilliseconds(MAX_DURATION_MS + 1), /at most 596h/);
    assert.throws(() => toMilliseconds(Number.NaN), /must be a duration/);
    assert.throws(() => toMilliseconds(true), /must be a duration, got true/);
  });
});

describe('whole-number checks', () => {
  it('refuse a fraction instead of rounding it', async () => {
    await assert.rejects(parse(['go', '--count', '2.5']), /--count must be a whole number, got 2\.5/);
    await assert.rejects(parse(['go', '--seed', '1.5']), /--seed must be a whole number, got 1\.5/);
    await assert.rejects(parse(['go', '--count', '0']), /--count must be a positive integer, got 0/);
  });

  it('take whole numbers, negative seeds included, and an unset option', async () => {
    const args = await parse(['go', '--count', '3', '--seed', '-7']);
    assert.equal(args?.count, 3);
    assert.equal(args?.seed, -7);
    assert.equal((await parse(['go']))?.count, undefined);
    assert.throws(() => integer('n', Number.NaN), /--n must be a whole number, got NaN/);
    assert.throws(() => positiveInteger('n', 2 ** 53), /--n must be a whole number/);
  });
});
