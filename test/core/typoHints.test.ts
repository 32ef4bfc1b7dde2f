/** Hints at a mistyped command or option: the closest word that exists, or nothing when none is close. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closestWord, editDistance } from '../../src/core/closestWord.js';
import { optionHints, unknownCommand } from '../../src/core/typoHints.js';

const COMMANDS = ['features', 'model', 'metric', 'plot', 'train', 'dashboard'];

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and a swap of neighbours as one edit each', () => {
    assert.equal(editDistance('metric', 'metric'), 0);
    assert.equal(editDistance('metrc', 'metric'), 1);
    assert.equal(editDistance('metricc', 'metric'), 1);
    assert.equal(editDistance('motric', 'metric'), 1);
    assert.equal(editDistance('modle', 'model'), 1);
    assert.equal(editDistance('', 'plot'), 4);
    assert.equal(editDistance('plot', ''), 4);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});

describe('closestWord', () => {
  it('finds the command or option meant', () => {
    assert.equal(closestWord('metrc', COMMANDS), 'metric');
    assert.equal(closestWord('modle', COMMANDS), 'model');
    assert.equal(closestWord('dashbord', COMMANDS), 'dashboard');
    assert.equal(closestWord('tarin', COMMANDS), 'train');
    assert.equal(closestWord('intervall', ['interval', 'count']), 'interval');
    assert.equal(closestWord('join-tll', ['join-ttl', 'prefetch']), 'join-ttl');
  });

  it('takes the one candidate a word begins, at least three characters of it', () => {
    assert.equal(closestWord('dash', COMMANDS), 'dashboard');
    assert.equal(closestWord('feat', COMMANDS), 'features');
    assert.equal(closestWord('da', COMMANDS), undefined);
    assert.equal(
      closestWord('drift', ['drift-window', 'drift-threshold']),
      undefined,
      'two candidates begin so',
    );
  });

  it('suggests nothing when nothing is close', () => {
    assert.equal(closestWord('help', COMMANDS), undefined);
    assert.equal(closestWord('xyz', COMMANDS), undefined);
    assert.equal(closestWord('mode', ['model', 'mode']), 'mode', 'an exact match wins');
  });
});

describe('unknownCommand', () => {
  it('answers a mistyped command with the closest one', () => {
    assert.equal(unknownCommand(['metrc'], COMMANDS), 'unknown command "metrc". Did you mean metric?');
    assert.match(unknownCommand(['metrc', '--count', '1'], COMMANDS) ?? '', /Did you mean metric\?/);
  });

  it('lists the commands when none is close', () => {
    assert.equal(
      unknownCommand(['frobnicate'], COMMANDS),
      'unknown command "frobnicate"; the commands are features, model, metric, plot, train, dashboard, or none to run them all',
    );
  });

  it('leaves a known command and the default command (options only) alone', () => {
    assert.equal(unknownCommand(['metric', '--window', '5'], COMMANDS), undefined);
    assert.equal(unknownCommand(['--interval', '0'], COMMANDS), undefined);
    assert.equal(unknownCommand([], COMMANDS), undefined);
  });
});

describe('optionHints', () => {
  const options = ['interval', 'count', 'join-ttl', 'watch', 'log-dir'];

  it('names each mistyped option and the one probably meant', () => {
    assert.deepEqual(optionHints(['--intervall', '5', '--count=3', '--join-tll=5s'], options), [
      '--intervall: did you mean --interval?',
      '--join-tll: did you mean --join-ttl?',
    ]);
    assert.deepEqual(optionHints(['--no-wach'], options), ['--no-wach: did you mean --no-watch?']);
  });

  it('takes camelCase and --no- spellings of known options, and nothing after --', () => {
    assert.deepEqual(optionHints(['--logDir', 'x', '--no-watch', '--', '--intervall'], options), []);
  });

  it('gives no hint when no option is close', () => {
    assert.deepEqual(optionHints(['--bogus'], options), []);
  });
});
