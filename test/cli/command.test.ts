/** defineCommand, the one way the CLI's commands are made: typed argv, strict options, env, checks, exit code. */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import yargs from 'yargs';
import { defineCommand, nonNegative, positive, type CommandArgs } from '../../src/cli/command.js';

const options = {
  'batch-size': { type: 'number', default: 10, describe: 'records per batch', check: positive },
  delay: { type: 'number', describe: 'ms between batches', check: nonNegative },
  name: { type: 'string', default: 'demo', describe: 'what to call it' },
} as const;

/** Parses `argv` with one command; resolves to what its handler saw, rejects with what yargs or a check refused. */
async function parse(argv: string[], code = 0): Promise<CommandArgs<typeof options> | undefined> {
  let seen: CommandArgs<typeof options> | undefined;
  const command = defineCommand({
    name: 'go',
    describe: 'a test command',
    options,
    handler: (args) => {
      seen = args;
      return Promise.resolve(code);
    },
  });
  // fail(false): failures reject parseAsync instead of printing help and exiting the test process.
  await yargs(argv).command(command).fail(false).exitProcess(false).parseAsync();
  return seen;
}

describe('defineCommand', () => {
  afterEach(() => {
    process.exitCode = 0;
    delete process.env.PIPELINE_BATCH_SIZE;
  });

  it('gives the handler typed camelCase argv with the defaults of the option record', async () => {
    const args = await parse(['go', '--delay', '5']);
    assert.equal(args?.batchSize, 10);
    assert.equal(args?.delay, 5);
    assert.equal(args?.name, 'demo');
  });

  it('refuses an unknown option (.strict()) and does not run the handler', async () => {
    let ran = false;
    const command = defineCommand({
      name: 'go',
      describe: 'a test command',
      options,
      handler: () => {
        ran = true;
        return Promise.resolve(0);
      },
    });
    // yargs throws a validation failure synchronously: the async wrapper makes it a rejection.
    await assert.rejects(
      async () => yargs(['go', '--bogus']).command(command).fail(false).exitProcess(false).parseAsync(),
      /Unknown argument: bogus/,
    );
    assert.equal(ran, false);
  });

  it("runs each option's check before the handler, naming the flag", async () => {
    await assert.rejects(parse(['go', '--batch-size', '0']), /--batch-size must be a positive number, got 0/);
    await assert.rejects(parse(['go', '--delay', '-1']), /--delay must be a non-negative number, got -1/);
    assert.equal((await parse(['go', '--delay', '0']))?.delay, 0);
  });

  it('takes a PIPELINE_<OPTION> variable as the default, and a flag over it', async () => {
    process.env.PIPELINE_BATCH_SIZE = '7';
    assert.equal((await parse(['go']))?.batchSize, 7);
    assert.equal((await parse(['go', '--batch-size', '3']))?.batchSize, 3);
  });

  it("sets the process's exit code to what the handler resolved to", async () => {
    await parse(['go'], 3);
    assert.equal(process.exitCode, 3);
  });
});

describe('the checks', () => {
  it('let an unset option pass and refuse what is not a finite number', () => {
    positive('n', undefined);
    nonNegative('n', undefined);
    assert.throws(() => positive('n', Number.NaN), /--n must be a positive number, got NaN/);
    assert.throws(() => nonNegative('n', Infinity), /--n must be a non-negative number, got Infinity/);
    assert.throws(() => positive('n', 'x'), /got "x"/);
  });
});
